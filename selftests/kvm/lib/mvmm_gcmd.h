/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A guest command's outcome, shared by the guests that repeat one access
 * N times and count how each ended (route_test's, lib/mvmm_uguest.c's).
 * Their shared pages differ, but each has these fields, which the two
 * macros below read and write by name:
 *
 *   set by the host:  n, exp[4], nexp, exp_vector
 *   set by the guest: done, match, vec[32], last[4], bad[4], bad_vector
 *
 * Macros and not functions for that reason: a struct of its own would
 * rename every use of these fields in the tests.
 */
#ifndef MVMM_SELFTEST_GCMD_H
#define MVMM_SELFTEST_GCMD_H

/*
 * Guest side: one iteration ended with fault @vector (0: none) and values
 * @v[0..3]. It matches if the vector is the expected one and, without a
 * fault, the first nexp values too; the first that does not is kept.
 */
#define MVMM_GCMD_RECORD(s, vector, v)					\
do {									\
	uint64_t __k;							\
	bool __ok;							\
									\
	(s)->vec[(vector) & 31]++;					\
	__ok = (vector) == (s)->exp_vector;				\
	for (__k = 0; __ok && !(vector) && __k < (s)->nexp; __k++)	\
		__ok = (v)[__k] == (s)->exp[__k];			\
	if (__ok) {							\
		(s)->match++;						\
	} else if ((s)->match == (s)->done) {				\
		(s)->bad_vector = (vector);				\
		for (__k = 0; __k < 4; __k++)				\
			(s)->bad[__k] = (v)[__k];			\
	}								\
	for (__k = 0; __k < 4; __k++)					\
		(s)->last[__k] = (v)[__k];				\
	(s)->done++;							\
} while (0)

/*
 * Host side, once the guest is back at GUEST_SYNC: all of command @cmd's
 * n iterations ran and ended as it said (its vector, exp[] and nexp).
 */
#define MVMM_GCMD_CHECK(what, s, cmd)					\
do {									\
	TEST_ASSERT((s)->done == (cmd)->n,				\
		    "%s: Expected %lu iterations, got %lu",		\
		    what, (cmd)->n, (s)->done);				\
	TEST_ASSERT((s)->match == (cmd)->n,				\
		    "%s: Expected all %lu iterations to end with vector %u and values %#lx %#lx %#lx %#lx (%d compared), got %lu; first other: vector %lu values %#lx %#lx %#lx %#lx", \
		    what, (cmd)->n, (cmd)->vector, (cmd)->exp[0],	\
		    (cmd)->exp[1], (cmd)->exp[2], (cmd)->exp[3],	\
		    (cmd)->nexp, (s)->match, (s)->bad_vector,		\
		    (s)->bad[0], (s)->bad[1], (s)->bad[2], (s)->bad[3]);	\
	TEST_ASSERT((s)->vec[(cmd)->vector] == (cmd)->n,		\
		    "%s: Expected %lu iterations with vector %u, got %lu", \
		    what, (cmd)->n, (cmd)->vector,			\
		    (s)->vec[(cmd)->vector]);				\
} while (0)

#endif /* MVMM_SELFTEST_GCMD_H */
