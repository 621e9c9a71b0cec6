/* The canonical text of a parsed command (the "req" vectors' second column). */
#ifndef HV_TESTS_CMD_FORMAT_H
#define HV_TESTS_CMD_FORMAT_H

#include <stddef.h>
#include "../stub/parse.h"

size_t cmd_format(const hv_cmd_t *c, char *out, size_t cap);

#endif
