#!/bin/sh
# make demo's script runs end to end and prints what README.md and
# examples/demo.out show (ports, the init commit and the run id aside).
# shellcheck source=SCRIPTDIR/../lib/lib.sh
. "$(dirname "$0")/../lib/lib.sh"

normalize() {
	sed -e 's|127\.0\.0\.1:[0-9A-Z][0-9A-Z]*|127.0.0.1:PORT|' \
	    -e 's|^[0-9a-f]\{7\} lk-state init|HASH lk-state init|' \
	    -e 's|runs/[0-9A-Z][0-9A-Z-]*|runs/RUN|'
}

test_expect_success 'the demo runs and prints examples/demo.out' '
	LK_DEMO_DIR="$PWD/demo" sh "$TOP/examples/demo.sh" >out 2>err &&
	normalize <out >got &&
	normalize <"$TOP/examples/demo.out" >want &&
	test_cmp want got
'

test_expect_success 'README quotes the same output' '
	sed -n "/^== 1\./,/^from cron/p" "$TOP/README.md" | normalize >readme &&
	sed -n "/^== 1\./,/^from cron/p" "$TOP/examples/demo.out" | normalize >want.body &&
	test_cmp want.body readme
'

test_done
