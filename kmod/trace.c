// SPDX-License-Identifier: GPL-2.0
/* The one place the mvmm tracepoints are instantiated. */
#define CREATE_TRACE_POINTS
#include "mvmm_trace.h"
