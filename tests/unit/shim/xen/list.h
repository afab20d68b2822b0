/*
 * Host stand-in for <xen/list.h>: the doubly linked list, as much of it
 * as hypervisor/cbps/refs.c uses.
 */
#ifndef SHIM_XEN_LIST_H
#define SHIM_XEN_LIST_H
#include <stddef.h>
#include <stdbool.h>

struct list_head {
    struct list_head *next, *prev;
};

#define LIST_HEAD_INIT(name) { &(name), &(name) }

#define container_of(ptr, type, member) \
    ((type *)((char *)(ptr) - offsetof(type, member)))

static inline void INIT_LIST_HEAD(struct list_head *l)
{
    l->next = l->prev = l;
}

static inline void list_add_tail(struct list_head *n, struct list_head *head)
{
    n->prev = head->prev;
    n->next = head;
    head->prev->next = n;
    head->prev = n;
}

/* Xen poisons the pointers; so do we, to catch a use after list_del. */
static inline void list_del(struct list_head *e)
{
    e->prev->next = e->next;
    e->next->prev = e->prev;
    e->next = (void *)0x100100;
    e->prev = (void *)0x200200;
}

static inline bool list_empty(const struct list_head *head)
{
    return head->next == head;
}

#define list_entry(ptr, type, member) container_of(ptr, type, member)
#define list_first_entry(ptr, type, member) \
    list_entry((ptr)->next, type, member)

#define list_for_each_entry(pos, head, member)                             \
    for ( pos = list_entry((head)->next, __typeof__(*pos), member);        \
          &pos->member != (head);                                          \
          pos = list_entry(pos->member.next, __typeof__(*pos), member) )

#define list_for_each_entry_safe(pos, n, head, member)                     \
    for ( pos = list_entry((head)->next, __typeof__(*pos), member),        \
          n = list_entry(pos->member.next, __typeof__(*pos), member);      \
          &pos->member != (head);                                          \
          pos = n, n = list_entry(n->member.next, __typeof__(*n), member) )
#endif
