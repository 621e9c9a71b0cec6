/* Turns a packet payload into a typed command (no side effects; pointers into the payload stay
 * valid as long as it does). Every packet of debug-adapter/PROTOCOL.md sections 4 and 5. */
#ifndef HV_STUB_PARSE_H
#define HV_STUB_PARSE_H

#include "hv/types.h"

#define HV_CMD_MAX_ITEMS 256u /* VMCS fields per qHv.vmcs / QHv.vmcs packet */
#define HV_CMD_MAX_VCONT 8u
#define HV_CMD_MAX_GREGS 32u

typedef enum {
    HV_CMD_UNKNOWN, /* empty reply */
    HV_CMD_ERROR,   /* malformed: reply E<err> */
    HV_CMD_SUPPORTED,
    HV_CMD_STOP_QUERY, /* ? */
    HV_CMD_READ_REGS,  /* g */
    HV_CMD_WRITE_REGS, /* G: data, len */
    HV_CMD_READ_REG,   /* p: reg */
    HV_CMD_WRITE_REG,  /* P: reg, data, len */
    HV_CMD_READ_MEM,   /* m: addr, len */
    HV_CMD_WRITE_MEM,  /* M (hex) and X (binary, already unescaped): addr, len, data */
    HV_CMD_INSERT_BP,  /* Z: type, addr, kind */
    HV_CMD_REMOVE_BP,  /* z */
    HV_CMD_STEP,       /* s[addr]: has_addr, addr */
    HV_CMD_CONTINUE,   /* c[addr] */
    HV_CMD_VCONT_QUERY,
    HV_CMD_VCONT,        /* vcont[] */
    HV_CMD_SET_THREAD,   /* H: op, thread */
    HV_CMD_THREAD_ALIVE, /* T: thread */
    HV_CMD_CURRENT_THREAD,
    HV_CMD_THREADS_FIRST,
    HV_CMD_THREADS_NEXT,
    HV_CMD_THREAD_EXTRA, /* thread */
    HV_CMD_ATTACHED,
    HV_CMD_XFER_FEATURES,  /* annex, off, len */
    HV_CMD_XFER_LIBRARIES, /* off, len */
    HV_CMD_RCMD,           /* data (decoded text), len */
    HV_CMD_DETACH,
    HV_CMD_KILL,
    HV_CMD_HV_INFO,
    HV_CMD_HV_VMCS_ALL,
    HV_CMD_HV_VMCS_READ,  /* count, items[].key = encoding */
    HV_CMD_HV_VMCS_WRITE, /* count, items[].key = encoding, .value */
    HV_CMD_HV_GREGS_READ,
    HV_CMD_HV_GREGS_WRITE, /* count, gregs[] */
    HV_CMD_HV_EPT,         /* addr = gpa */
    HV_CMD_HV_GVA,         /* addr = gva, has_cr3, cr3 */
    HV_CMD_HV_GPM_READ,    /* addr, len */
    HV_CMD_HV_GPM_WRITE,   /* addr, len, data */
    HV_CMD_HV_EXITS,       /* has_thread, thread */
    HV_CMD_HV_EXITS_RESET,
    HV_CMD_HV_RESET,
    HV_CMD_HV_EXITBP_SET, /* exitbp */
    HV_CMD_HV_EXITBP_DEL, /* exitbp.id */
    HV_CMD_HV_EXITBP_DEL_ALL,
    HV_CMD_HV_EXITBP_LIST,
} hv_cmd_op_t;

/* Exit-breakpoint filter keys (bit i of hv_exitbp_spec.keys = key i). */
typedef enum {
    HV_XF_CPU,
    HV_XF_LEAF,
    HV_XF_SUBLEAF,
    HV_XF_MSR,
    HV_XF_PORT,
    HV_XF_DIR,
    HV_XF_CR,
    HV_XF_GPA,
    HV_XF_COUNT
} hv_exit_filter_key_t;

extern const char *const hv_exit_filter_names[HV_XF_COUNT];

#define HV_EXITBP_ANY_REASON 0xffffu
#define HV_DIR_IN            1u
#define HV_DIR_OUT           0u

typedef struct {
    uint8_t id;
    uint16_t reason;                           /* basic exit reason, or HV_EXITBP_ANY_REASON */
    uint16_t keys;                             /* which filters are given */
    uint64_t lo[HV_XF_COUNT], hi[HV_XF_COUNT]; /* value or inclusive range (lo == hi if single) */
} hv_exitbp_spec_t;

/* Guest registers of qHv.gregs, in reply order. */
typedef enum {
    HV_GREG_RAX,
    HV_GREG_RBX,
    HV_GREG_RCX,
    HV_GREG_RDX,
    HV_GREG_RSI,
    HV_GREG_RDI,
    HV_GREG_RBP,
    HV_GREG_RSP,
    HV_GREG_R8,
    HV_GREG_R9,
    HV_GREG_R10,
    HV_GREG_R11,
    HV_GREG_R12,
    HV_GREG_R13,
    HV_GREG_R14,
    HV_GREG_R15,
    HV_GREG_RIP,
    HV_GREG_RFLAGS,
    HV_GREG_CR0,
    HV_GREG_CR2,
    HV_GREG_CR3,
    HV_GREG_CR4,
    HV_GREG_DR7,
    HV_GREG_EFER,
    HV_GREG_COUNT
} hv_greg_t;

extern const char *const hv_greg_names[HV_GREG_COUNT];

typedef struct {
    char action;    /* 'c' 's' 't' (C and S are folded into c and s) */
    int64_t thread; /* -1 all (no thread given) */
} hv_vcont_action_t;

typedef struct {
    uint64_t key, value;
} hv_cmd_item_t;

typedef struct {
    hv_cmd_op_t op;
    uint8_t err; /* HV_CMD_ERROR: the E code */
    char hop;    /* H: 'g' or 'c' */
    bool has_addr, has_cr3, has_thread;
    uint64_t addr, len, kind, cr3, reg;
    uint8_t type; /* Z/z type 0..4 */
    int64_t thread;
    const uint8_t *data; /* G P M X QHv.gpm qRcmd: decoded bytes (into the payload buffer) */
    const uint8_t *annex;
    size_t annex_len;
    size_t count;
    hv_cmd_item_t items[HV_CMD_MAX_ITEMS];
    hv_vcont_action_t vcont[HV_CMD_MAX_VCONT];
    hv_exitbp_spec_t exitbp;
} hv_cmd_t;

/* Parses payload[0..n). Binary and hex data are decoded in place: payload is modified. */
void hv_parse(uint8_t *payload, size_t n, hv_cmd_t *cmd);

/* Error codes of PROTOCOL.md section 6. */
enum {
    HV_E_ANNEX = 0x00,
    HV_E_SYNTAX = 0x01,
    HV_E_LENGTH = 0x02,
    HV_E_FAULT = 0x03,
    HV_E_THREAD = 0x04,
    HV_E_PROTECTED = 0x05,
    HV_E_NO_SLOT = 0x06,
    HV_E_NOT_FOUND = 0x07,
    HV_E_READ_ONLY = 0x08,
    HV_E_NO_VMCS = 0x09,
    HV_E_VMX_FAIL = 0x0a,
    HV_E_REGISTER = 0x0b,
    HV_E_PAGING = 0x0c,
};

#endif
