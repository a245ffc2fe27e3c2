/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A minimal TAP unit-test harness, so that the portable core can be tested
 * on a bare host before any kernel tree is fetched.
 *
 *   TEST(name) { EXPECT_EQ(actual, expected); }      one TAP test point
 *   TEST_POINTS(name) { for (...) { POINT("x %d", i); EXPECT...; END(); } }
 *                                                     one point per POINT()
 *
 * A point fails when any EXPECT in it fails; every failed EXPECT prints a
 * "# file:line: ..." diagnostic line before the "not ok" line.
 */
#ifndef _MVMM_UNIT_H
#define _MVMM_UNIT_H

struct unit_test {
	const char *name;
	void (*fn)(void);
	int own_points;
	struct unit_test *next;
};

#define __printf(a, b)	__attribute__((format(printf, a, b)))

void unit_register(struct unit_test *t);
__printf(1, 2) void unit_begin(const char *fmt, ...);
void unit_end(void);
__printf(3, 4) void unit_fail(const char *file, int line, const char *fmt, ...);

#define UNIT_DEFINE(fn_name, points)					\
	static void fn_name(void);					\
	static struct unit_test fn_name##_desc = {			\
		.name = #fn_name, .fn = fn_name, .own_points = points,	\
	};								\
	__attribute__((constructor)) static void fn_name##_reg(void)	\
	{								\
		unit_register(&fn_name##_desc);				\
	}								\
	static void fn_name(void)

#define TEST(fn_name)		UNIT_DEFINE(fn_name, 0)
#define TEST_POINTS(fn_name)	UNIT_DEFINE(fn_name, 1)
#define POINT(...)		unit_begin(__VA_ARGS__)
#define END()			unit_end()

#define EXPECT_EQ(actual, expected)					\
	do {								\
		unsigned long long _a = (actual), _e = (expected);	\
		if (_a != _e)						\
			unit_fail(__FILE__, __LINE__,			\
				  "%s: expected 0x%llx, got 0x%llx",	\
				  #actual, _e, _a);			\
	} while (0)

#define EXPECT_TRUE(cond)						\
	do {								\
		if (!(cond))						\
			unit_fail(__FILE__, __LINE__, "expected %s", #cond); \
	} while (0)

/* xorshift64 on *@state: the same sequence every run. */
static inline unsigned long long unit_xorshift(unsigned long long *state)
{
	*state ^= *state << 13;
	*state ^= *state >> 7;
	*state ^= *state << 17;
	return *state;
}

#endif /* _MVMM_UNIT_H */
