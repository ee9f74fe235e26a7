/*
 * json-arena.h - jansson's memory for a process that parses many large
 * answers one after another (lk-fetch's listings: ~100 pages of a few MB
 * each, every value freed with its page).  With malloc, a page's tens of
 * thousands of small frees are merged back by malloc_consolidate() at the
 * next large request, and the next page carves them up again: a third of
 * an Ozon stocks listing's CPU.  Here jansson's values are cut in turn
 * from 256 KB chunks; a chunk whose values are all freed is reused whole
 * (a few are kept for the next page, the rest go back).  A value that
 * lives past its page keeps only its own chunk: callers keep what lasts
 * in C structures, not in JSON built page by page.
 *
 * lk_json_arena_install() must run before the process's first jansson
 * call (json_set_alloc_funcs()).  Under AddressSanitizer a freed value's
 * memory is poisoned, so a use after json_decref() is still reported.
 *
 * What json_dumps() returns is jansson's memory too: free it with
 * lk_json_free() (jansson's free function, whichever is installed), never
 * free() -- AddressSanitizer reports a free() of such a string.
 */
#ifndef LK_JSON_ARENA_H
#define LK_JSON_ARENA_H

void lk_json_arena_install(void);
void lk_json_free(void *p);

#endif
