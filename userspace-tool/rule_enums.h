/* SPDX-License-Identifier: GPL-2.0 */
/*
 * enum mvmm_origin_match, mvmm_rule_mode and mvmm_rule_fallback, the
 * values of MVMM_A_RULE_ORIGIN, _MODE and _FALLBACK.
 *
 * They are part of the uapi header.
 */
#ifndef MVMMCTL_RULE_ENUMS_H
#define MVMMCTL_RULE_ENUMS_H

#include <linux/mvmm.h>

#endif /* MVMMCTL_RULE_ENUMS_H */
