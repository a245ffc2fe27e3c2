/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The qualifiers each event type carries (the table in uapi/linux/mvmm.h),
 * under the keywords mvmmctl uses for them: "events" lists them and "rule"
 * matches ranges of the first one (struct mvmm_event .qual).
 */
#ifndef MVMMCTL_QUALS_H
#define MVMMCTL_QUALS_H

#include <stdbool.h>
#include <stdint.h>

#define MVMM_MAX_QUALS 6

struct mvmm_evquals {
	/*
	 * names[0] is the primary qualifier, the value rules match ranges
	 * of ("port" for io); NULL when the type has no qualifier.
	 */
	const char *names[MVMM_MAX_QUALS];
	uint64_t max;	/* largest value names[0] can take */
	bool hex;	/* values of names[0] read best in hex */
};

/* The qualifiers of event @type, or NULL for a type out of the enum. */
const struct mvmm_evquals *mvmm_evquals(unsigned int type);

/* True if @word is the primary qualifier of some event type. */
bool mvmm_is_qual_keyword(const char *word);

#endif /* MVMMCTL_QUALS_H */
