#ifndef LK_VERSION_H
#define LK_VERSION_H
#define LK_VERSION "0.1.0"
#endif
