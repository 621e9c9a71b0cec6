#include "exitbp.h"

void hv_exitbp_set(hv_exitbp_table_t *t, const hv_exitbp_spec_t *spec) {
    t->slot[spec->id].spec = *spec;
    t->slot[spec->id].hits = 0;
    t->used |= (uint16_t)(1u << spec->id);
}

bool hv_exitbp_del(hv_exitbp_table_t *t, uint8_t id) {
    if (id >= HV_EXITBP_SLOTS || !(t->used & (1u << id)))
        return false;
    t->used &= (uint16_t) ~(1u << id);
    return true;
}

void hv_exitbp_clear(hv_exitbp_table_t *t) {
    t->used = 0;
}

static bool in(const hv_exitbp_spec_t *s, hv_exit_filter_key_t k, uint64_t v) {
    return !(s->keys & (1u << k)) || (v >= s->lo[k] && v <= s->hi[k]);
}

static bool matches(const hv_exitbp_spec_t *s, const hv_exit_info_t *e) {
    uint16_t basic = (uint16_t)e->reason;
    if (s->reason != HV_EXITBP_ANY_REASON && s->reason != basic)
        return false;
    return in(s, HV_XF_CPU, e->cpu) && in(s, HV_XF_LEAF, (uint32_t)e->rax) &&
           in(s, HV_XF_SUBLEAF, (uint32_t)e->rcx) && in(s, HV_XF_MSR, (uint32_t)e->rcx) &&
           in(s, HV_XF_PORT, (e->qual >> 16) & 0xffff) && in(s, HV_XF_DIR, (e->qual >> 3) & 1) &&
           in(s, HV_XF_CR, e->qual & 15) && in(s, HV_XF_GPA, e->gpa);
}

int hv_exitbp_match(hv_exitbp_table_t *t, const hv_exit_info_t *e) {
    uint16_t used = t->used;
    for (unsigned i = 0; used; i++, used >>= 1) {
        if ((used & 1) && matches(&t->slot[i].spec, e)) {
            __atomic_fetch_add(&t->slot[i].hits, 1, __ATOMIC_RELAXED);
            return (int)i;
        }
    }
    return -1;
}
