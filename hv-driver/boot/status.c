/* HV_EFI_STATUS in words, for the log and the loader's console (UEFI 2.10 appendix D). */
#include "hv/uefi.h"

static const char *const error_names[] = {
    "Success",          "Load Error",           "Invalid Parameter",
    "Unsupported",      "Bad Buffer Size",      "Buffer Too Small",
    "Not Ready",        "Device Error",         "Write Protected",
    "Out of Resources", "Volume Corrupted",     "Volume Full",
    "No Media",         "Media Changed",        "Not Found",
    "Access Denied",    "No Response",          "No Mapping",
    "Time Out",         "Not Started",          "Already Started",
    "Aborted",          "ICMP Error",           "TFTP Error",
    "Protocol Error",   "Incompatible Version", "Security Violation",
    "CRC Error",        "End of Media",         "(code 29)",
    "(code 30)",        "End of File",          "Invalid Language",
    "Compromised Data", "IP Address Conflict",  "HTTP Error",
};

static const char *const warning_names[] = {
    "Success",
    "Warning Unknown Glyph",
    "Warning Delete Failure",
    "Warning Write Failure",
    "Warning Buffer Too Small",
    "Warning Stale Data",
    "Warning File System",
    "Warning Reset Required",
};

const char *hv_efi_status_text(efi_status_t status) {
    uint64_t code = status & ~HV_EFI_ERROR_BIT;
    if (HV_EFI_IS_ERROR(status))
        return code < HV_ARRAY_COUNT(error_names) ? error_names[code] : "Unknown Error";
    return code < HV_ARRAY_COUNT(warning_names) ? warning_names[code] : "Unknown Warning";
}
