/* parse_heap.h: prepare the process's heap for libclang's parses (parse_heap.c says why). */
#ifndef KABIGEN_PARSE_HEAP_H
#define KABIGEN_PARSE_HEAP_H

/* Once per process, before the first libclang call; later calls do nothing. */
void parse_heap_prepare(void);

#endif
