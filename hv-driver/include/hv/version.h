/* The driver's version: printed in the banner, reported to the debugger. Bump with each release. */
#ifndef HV_VERSION_H
#define HV_VERSION_H

#define HV_VERSION_MAJOR 0
#define HV_VERSION_MINOR 1
#define HV_VERSION_PATCH 0
#define HV_VERSION       "0.1.0"

#endif
