/* matrix.h: 'kabigen matrix FILE.yaml': many triples at once. */
#ifndef KABIGEN_MATRIX_H
#define KABIGEN_MATRIX_H

/* The whole command, after the word "matrix"; returns the exit status. */
int matrix_main(int argc, char **argv);

#endif
