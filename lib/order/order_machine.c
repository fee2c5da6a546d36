/* order_machine.c - building, validating and reading order machines.
 *
 * A custom machine is filled one call at a time, then sealed: sealing
 * checks what spans transitions (reachability, final states, transitions
 * that can never be taken) and freezes the table.  Names are interned by
 * linear search: a machine has at most 256 states and 256 events, and a
 * failed call can be undone by restoring the counts, which a hash index
 * without deletion would not allow. */
#include <string.h>

#include "common/internal.h"
#include "order/order_internal.h"

/* The from lists of all transitions together. */
#define MAX_FROM_TOTAL 16384

/* ---- lookups ------------------------------------------------------------------- */

static int32_t find_name(const ec__oname *names, uint32_t n, const char *s, size_t len)
{
    for (uint32_t i = 0; i < n; i++)
        if (names[i].n == len && memcmp(names[i].p, s, len) == 0) return (int32_t)i;
    return -1;
}

int32_t ec__omachine_state(const ec__otable *t, const char *s, size_t n)
{
    return find_name(t->states, t->nstates, s, n);
}

int32_t ec__omachine_event(const ec__otable *t, const char *s, size_t n)
{
    return find_name(t->events, t->nevents, s, n);
}

int ec__otrans_from(const ec__otrans *tr, uint32_t s)
{
    for (uint16_t j = 0; j < tr->nfrom; j++)
        if (tr->from[j] == s) return 1;
    return 0;
}

/* ---- lifetime ------------------------------------------------------------------ */

ec_order_machine *ec_order_machine_new(void)
{
    return ec_order_machine_new_ex(NULL);
}

ec_order_machine *ec_order_machine_new_ex(const ec_allocator *alloc)
{
    ec_order_machine *m = ec__calloc(alloc, 1, sizeof *m);
    if (!m) return NULL;
    if (alloc) {
        m->alloc_copy = *alloc;
        m->alloc = &m->alloc_copy;
    }
    ec__arena_init(&m->arena, m->alloc, 0);
    return m;
}

void ec_order_machine_free(ec_order_machine *m)
{
    if (!m || m->builtin) return;
    ec__arena_free(&m->arena);
    ec__dealloc(m->alloc, m->states);
    ec__dealloc(m->alloc, m->events);
    ec__dealloc(m->alloc, m->final_names);
    ec__dealloc(m->alloc, m->trans);
    ec_allocator copy = m->alloc_copy;
    ec__dealloc(m->alloc ? &copy : NULL, m);
}

/* ---- building -------------------------------------------------------------------- */

static ec_status check_name(const char *s, const char *field, ec_error *err)
{
    EC_FAIL_IF(!s, err, EC_MISUSE, field, "%s is NULL", field);
    EC_FAIL_IF(!ec__id_valid(s, strlen(s)), err, EC_INVALID_FIELD, field,
               "%s must be 1 to 128 bytes of UTF-8 without control characters", field);
    return EC_OK;
}

static ec_status check_building(const ec_order_machine *m, ec_error *err)
{
    EC_FAIL_IF(!m || m->builtin, err, EC_MISUSE, NULL, "a custom machine is required");
    EC_FAIL_IF(m->sealed, err, EC_MISUSE, NULL, "the machine is sealed");
    return EC_OK;
}

/* Append to a growable array of names (cap doubles, at most max). */
static int grow_names(ec_order_machine *m, ec__oname **names, uint32_t *cap, uint32_t need)
{
    if (need <= *cap) return 1;
    uint32_t c = *cap ? *cap * 2 : 16;
    while (c < need) c *= 2;
    ec__oname *p = ec__realloc(m->alloc, *names, c * sizeof *p);
    if (!p) return 0;
    *names = p;
    *cap = c;
    return 1;
}

static int copy_name(ec_order_machine *m, const char *s, ec__oname *out)
{
    size_t n = strlen(s);
    char *p = ec__arena_strndup(&m->arena, s, n);
    if (!p) return 0;
    out->p = p;
    out->n = (uint32_t)n;
    return 1;
}

/* Index of a name, adding it when new; -1 when out of memory. */
static int32_t intern(ec_order_machine *m, ec__oname **names, uint32_t *count, uint32_t *cap,
                      const char *s)
{
    int32_t i = find_name(*names, *count, s, strlen(s));
    if (i >= 0) return i;
    if (!grow_names(m, names, cap, *count + 1) || !copy_name(m, s, &(*names)[*count])) return -1;
    return (int32_t)(*count)++;
}

ec_status ec_order_machine_set_initial(ec_order_machine *m, const char *state, ec_error *err)
{
    EC_TRY(check_building(m, err));
    EC_TRY(check_name(state, "initial", err));
    ec__oname copy = {NULL, 0};
    EC_FAIL_IF(!copy_name(m, state, &copy), err, EC_NO_MEMORY, NULL, NULL);
    m->initial_name = copy;
    return EC_OK;
}

ec_status ec_order_machine_add_final(ec_order_machine *m, const char *state, ec_error *err)
{
    EC_TRY(check_building(m, err));
    EC_TRY(check_name(state, "final", err));
    EC_FAIL_IF(m->t.nfinals >= EC_ORDER_MACHINE_MAX_STATES, err, EC_LIMIT_EXCEEDED, "final",
               "at most %d final states", EC_ORDER_MACHINE_MAX_STATES);
    EC_FAIL_IF(!grow_names(m, &m->final_names, &m->finals_cap, m->t.nfinals + 1) ||
                   !copy_name(m, state, &m->final_names[m->t.nfinals]),
               err, EC_NO_MEMORY, NULL, NULL);
    m->t.nfinals++;
    return EC_OK;
}

/* Everything add_transition can refuse without touching the machine. */
static ec_status check_transition(const ec_order_machine *m, const char *const *from, size_t nfrom,
                                  const char *event, const char *to, const char *guard,
                                  const char *const *effects, size_t neffects, int8_t *guard_out,
                                  ec_error *err)
{
    EC_FAIL_IF(m->t.ntrans >= EC_ORDER_MACHINE_MAX_TRANSITIONS, err, EC_LIMIT_EXCEEDED,
               "transitions", "a machine holds at most %d transitions",
               EC_ORDER_MACHINE_MAX_TRANSITIONS);
    EC_FAIL_IF(!from && nfrom, err, EC_MISUSE, "from", "from is NULL");
    EC_FAIL_IF(nfrom == 0, err, EC_INVALID_FIELD, "from", "from must name at least one state");
    EC_FAIL_IF(nfrom > EC_ORDER_MACHINE_MAX_STATES || m->nfrom_total + nfrom > MAX_FROM_TOTAL, err,
               EC_LIMIT_EXCEEDED, "from", "too many from states");
    for (size_t j = 0; j < nfrom; j++) {
        ec_status st = check_name(from[j], "from", err);
        for (size_t k = 0; st == EC_OK && k < j; k++)
            if (strcmp(from[k], from[j]) == 0)
                st = ec__fail(err, EC_INVALID_FIELD, NULL, "state %.128s is listed twice", from[j]);
        if (st != EC_OK) {
            ec__error_field(err, "from[%zu]", j);
            return st;
        }
    }
    EC_TRY(check_name(event, "event", err));
    EC_TRY(check_name(to, "to", err));
    *guard_out = EC__ORDER_NO_GUARD;
    if (guard) {
        for (int32_t g = 0; g < EC__ORDER_GUARD_COUNT; g++)
            if (strcmp(guard, ec_order_guard_name(g)) == 0) *guard_out = (int8_t)g;
        EC_FAIL_IF(*guard_out == EC__ORDER_NO_GUARD, err, EC_INVALID_FIELD, "guard",
                   "unknown guard \"%.128s\"", guard);
    }
    EC_FAIL_IF(!effects && neffects, err, EC_MISUSE, "effects", "effects is NULL");
    EC_FAIL_IF(neffects, err, EC_INVALID_FIELD, "effects[0]",
               "a transition names no effects: they follow from the event (what it ships, "
               "cancels or returns, and how it moves the money)");
    return EC_OK;
}

/* Intern the names and store the transition; on failure the counts are
 * restored, which forgets every name this call added. */
static ec_status store_transition(ec_order_machine *m, const char *const *from, size_t nfrom,
                                  const char *event, const char *to, ec__otrans *tr)
{
    uint16_t *f = ec__arena_calloc(&m->arena, nfrom, sizeof *f);
    if (!f) return EC_NO_MEMORY;
    for (size_t j = 0; j < nfrom; j++) {
        int32_t s = intern(m, &m->states, &m->t.nstates, &m->states_cap, from[j]);
        if (s < 0) return EC_NO_MEMORY;
        f[j] = (uint16_t)s;
    }
    int32_t to_ix = intern(m, &m->states, &m->t.nstates, &m->states_cap, to);
    int32_t ev_ix = intern(m, &m->events, &m->t.nevents, &m->events_cap, event);
    if (to_ix < 0 || ev_ix < 0) return EC_NO_MEMORY;
    if (m->t.nstates > EC_ORDER_MACHINE_MAX_STATES || m->t.nevents > EC_ORDER_MACHINE_MAX_EVENTS)
        return EC_LIMIT_EXCEEDED;
    if (m->t.ntrans == m->trans_cap) {
        uint32_t cap = m->trans_cap ? m->trans_cap * 2 : 16;
        ec__otrans *t = ec__realloc(m->alloc, m->trans, cap * sizeof *t);
        if (!t) return EC_NO_MEMORY;
        m->trans = t;
        m->trans_cap = cap;
    }
    tr->from = f;
    tr->nfrom = (uint16_t)nfrom;
    tr->to = (uint16_t)to_ix;
    tr->event = (uint16_t)ev_ix;
    m->trans[m->t.ntrans++] = *tr;
    return EC_OK;
}

ec_status ec_order_machine_add_transition(ec_order_machine *m, const char *const *from,
                                          size_t nfrom, const char *event, const char *to,
                                          const char *guard, const char *const *effects,
                                          size_t neffects, ec_error *err)
{
    EC_TRY(check_building(m, err));
    ec__otrans tr;
    memset(&tr, 0, sizeof tr);
    EC_TRY(check_transition(m, from, nfrom, event, to, guard, effects, neffects, &tr.guard, err));
    uint32_t nstates = m->t.nstates, nevents = m->t.nevents;
    ec_status st = store_transition(m, from, nfrom, event, to, &tr);
    if (st != EC_OK) {
        m->t.nstates = nstates;
        m->t.nevents = nevents;
        if (st == EC_NO_MEMORY) return ec__fail(err, st, NULL, NULL);
        return ec__fail(err, st, NULL, "a machine has at most %d states and %d events",
                        EC_ORDER_MACHINE_MAX_STATES, EC_ORDER_MACHINE_MAX_EVENTS);
    }
    m->nfrom_total += (uint32_t)nfrom;
    return EC_OK;
}

/* ---- sealing --------------------------------------------------------------------- */

static ec_status fail_from(ec_error *err, uint32_t i, uint32_t j, const char *fmt, const char *a,
                           const char *b)
{
    ec__fail(err, EC_INVALID_FIELD, NULL, fmt, a, b);
    ec__error_field(err, "transitions[%u].from[%u]", i, j);
    return EC_INVALID_FIELD;
}

static ec_status seal_initial(ec_order_machine *m, ec_error *err)
{
    EC_FAIL_IF(m->t.ntrans == 0, err, EC_INVALID_FIELD, "transitions",
               "a machine needs at least one transition");
    EC_FAIL_IF(!m->initial_name.p, err, EC_INVALID_FIELD, "initial", "initial is required");
    int32_t s = find_name(m->states, m->t.nstates, m->initial_name.p, m->initial_name.n);
    EC_FAIL_IF(s < 0, err, EC_INVALID_FIELD, "initial",
               "initial state %.128s is named by no transition", m->initial_name.p);
    m->t.initial = (uint16_t)s;
    return EC_OK;
}

static ec_status seal_finals(ec_order_machine *m, uint8_t *flags, uint16_t *finals, ec_error *err)
{
    for (uint32_t k = 0; k < m->t.nfinals; k++) {
        const ec__oname *f = &m->final_names[k];
        int32_t s = find_name(m->states, m->t.nstates, f->p, f->n);
        ec_status st = EC_OK;
        if (s < 0)
            st =
                ec__fail(err, EC_INVALID_FIELD, NULL, "%.128s is not a state of the machine", f->p);
        else if (flags[s])
            st = ec__fail(err, EC_INVALID_FIELD, NULL, "%.128s is listed twice", f->p);
        if (st != EC_OK) {
            ec__error_field(err, "final[%u]", k);
            return st;
        }
        flags[s] = 1;
        finals[k] = (uint16_t)s;
    }
    for (uint32_t i = 0; i < m->t.ntrans; i++)
        for (uint32_t j = 0; j < m->trans[i].nfrom; j++)
            if (flags[m->trans[i].from[j]])
                return fail_from(err, i, j, "state %.128s is final: no transition may leave it%s",
                                 m->states[m->trans[i].from[j]].p, "");
    return EC_OK;
}

/* Every state named in a from list must be reachable from the initial
 * state, guards ignored; a state named only as a target is reachable
 * through that transition once its source is. */
static ec_status seal_reachable(ec_order_machine *m, uint8_t *seen, ec_error *err)
{
    seen[m->t.initial] = 1;
    for (int changed = 1; changed;) {
        changed = 0;
        for (uint32_t i = 0; i < m->t.ntrans; i++) {
            const ec__otrans *tr = &m->trans[i];
            if (seen[tr->to]) continue;
            for (uint32_t j = 0; j < tr->nfrom && !seen[tr->to]; j++)
                if (seen[tr->from[j]]) seen[tr->to] = 1, changed = 1;
        }
    }
    for (uint32_t i = 0; i < m->t.ntrans; i++)
        for (uint32_t j = 0; j < m->trans[i].nfrom; j++)
            if (!seen[m->trans[i].from[j]])
                return fail_from(err, i, j,
                                 "state %.128s cannot be reached from the initial "
                                 "state %.128s",
                                 m->states[m->trans[i].from[j]].p, m->states[m->t.initial].p);
    return EC_OK;
}

/* A transition without a guard takes every (state, event) it covers, so a
 * later transition for the same pair would never be taken: a mistake. */
static ec_status seal_shadowed(ec_order_machine *m, ec_error *err)
{
    size_t cells = (size_t)m->t.nstates * m->t.nevents;
    uint16_t *first = ec__calloc(m->alloc, cells, sizeof *first); /* index + 1 */
    EC_FAIL_IF(!first, err, EC_NO_MEMORY, NULL, NULL);
    ec_status st = EC_OK;
    for (uint32_t i = 0; i < m->t.ntrans && st == EC_OK; i++) {
        const ec__otrans *tr = &m->trans[i];
        for (uint32_t j = 0; j < tr->nfrom && st == EC_OK; j++) {
            uint16_t prior = first[(size_t)tr->from[j] * m->t.nevents + tr->event];
            if (prior) {
                ec__fail(err, EC_INVALID_FIELD, NULL,
                         "never taken: transitions[%u] has no guard and already handles "
                         "%.100s in state %.100s",
                         prior - 1u, m->events[tr->event].p, m->states[tr->from[j]].p);
                ec__error_field(err, "transitions[%u]", i);
                st = EC_INVALID_FIELD;
            }
        }
        for (uint32_t j = 0; j < tr->nfrom && tr->guard == EC__ORDER_NO_GUARD; j++)
            first[(size_t)tr->from[j] * m->t.nevents + tr->event] = (uint16_t)(i + 1);
    }
    ec__dealloc(m->alloc, first);
    return st;
}

ec_status ec_order_machine_seal(ec_order_machine *m, ec_error *err)
{
    EC_TRY(check_building(m, err));
    EC_TRY(seal_initial(m, err));
    uint32_t ns = m->t.nstates;
    uint8_t *flags = ec__arena_calloc(&m->arena, ns, 1);
    uint8_t *seen = ec__arena_calloc(&m->arena, ns, 1);
    uint16_t *finals = ec__arena_calloc(&m->arena, m->t.nfinals, sizeof *finals);
    EC_FAIL_IF(!flags || !seen || !finals, err, EC_NO_MEMORY, NULL, NULL);
    EC_TRY(seal_finals(m, flags, finals, err));
    EC_TRY(seal_reachable(m, seen, err));
    EC_TRY(seal_shadowed(m, err));
    m->t.states = m->states;
    m->t.events = m->events;
    m->t.trans = m->trans;
    m->t.finals = finals;
    m->t.final_flag = flags;
    m->sealed = 1;
    return EC_OK;
}

/* ---- reading --------------------------------------------------------------------- */

static const ec__otable *sealed(const ec_order_machine *m)
{
    return m && m->sealed ? &m->t : NULL;
}

const char *ec_order_machine_initial(const ec_order_machine *m)
{
    const ec__otable *t = sealed(m);
    return t ? t->states[t->initial].p : NULL;
}

size_t ec_order_machine_state_count(const ec_order_machine *m)
{
    const ec__otable *t = sealed(m);
    return t ? t->nstates : 0;
}

const char *ec_order_machine_state_name(const ec_order_machine *m, size_t i)
{
    const ec__otable *t = sealed(m);
    return t && i < t->nstates ? t->states[i].p : NULL;
}

int32_t ec_order_machine_state_is_final(const ec_order_machine *m, size_t i)
{
    const ec__otable *t = sealed(m);
    return t && i < t->nstates ? t->final_flag[i] : 0;
}

size_t ec_order_machine_event_count(const ec_order_machine *m)
{
    const ec__otable *t = sealed(m);
    return t ? t->nevents : 0;
}

const char *ec_order_machine_event_name(const ec_order_machine *m, size_t i)
{
    const ec__otable *t = sealed(m);
    return t && i < t->nevents ? t->events[i].p : NULL;
}

size_t ec_order_machine_transition_count(const ec_order_machine *m)
{
    const ec__otable *t = sealed(m);
    return t ? t->ntrans : 0;
}
