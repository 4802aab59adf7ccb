"""The two-stage integer programme, solved with scipy.optimize.milp (HiGHS).

People are aggregated into *types* (same weekend availability, same burden at every venue
city, same balance profile), and cohorts into *classes* (same weekend and venue city), so the
model's size follows the variety of the input, not its length:

  z[t, k]  how many people of type t go to class k (integer)
  w[b, c]  how many people of balance profile b go to cohort c (integer)
  d[g, c]  |members of group g in c − share_g × size of c| (continuous)

Stage 1 minimises the total burden Σ burden(t, k)·z[t, k] (a transportation problem).
Stage 2 keeps the burden at stage 1's value and minimises Σ weight_g·d[g, c]. People are then
handed out deterministically: within a type by id, classes and cohorts in id order.
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_array

OPTIMAL = 0

# Above this many integer variables the joint stage 2 is too slow to be useful (HiGHS finds
# no first solution in 10 s at 5,000 people); stage 2 then keeps stage 1's split between
# classes and deals each class's people out evenly, and the gap is stated against a proven
# bound. Editions of a few hundred people always get the exact joint model.
FULL_MODEL_LIMIT = 6000


@dataclass(frozen=True)
class Item:
    """A free (unpinned) person as the model sees them."""

    id: str
    classes: tuple[int, ...]  # the classes whose weekend they can attend
    burdens: tuple[int, ...]  # burden at each of those classes
    profile: tuple[int, ...]  # the balance groups they belong to


@dataclass(frozen=True)
class Slot:
    """A cohort as the model sees it."""

    id: str
    klass: int
    free: int  # capacity left after pins
    pinned: int  # people pinned here
    pinned_groups: tuple[int, ...]  # pinned members per balance group


@dataclass
class Solution:
    assignments: dict[str, str]
    optimal: bool
    burden_gap: float
    balance_gap: float
    # Set when stage 2 was dealt rather than solved: a proven lower bound on the imbalance, so
    # the caller can state the gap of the answer it got.
    balance_bound: float | None = None


class _Rows:
    """Sparse constraint rows built one at a time."""

    def __init__(self):
        self.rows, self.cols, self.vals, self.lb, self.ub = [], [], [], [], []

    def add(self, terms, lb, ub):
        row = len(self.lb)
        for col, val in terms:
            self.rows.append(row)
            self.cols.append(col)
            self.vals.append(val)
        self.lb.append(lb)
        self.ub.append(ub)

    def constraint(self, n):
        matrix = coo_array((self.vals, (self.rows, self.cols)), shape=(len(self.lb), n)).tocsr()
        return LinearConstraint(matrix, self.lb, self.ub)


def _milp(c, integrality, upper, rows, seconds):
    options = {"time_limit": max(seconds, 0.5), "mip_rel_gap": 0.0, "presolve": True}
    return milp(
        c=np.asarray(c, dtype=float),
        integrality=np.asarray(integrality),
        bounds=Bounds(np.zeros(len(c)), np.asarray(upper, dtype=float)),
        constraints=rows.constraint(len(c)),
        options=options,
    )


def _gap(result):
    if result.status == OPTIMAL:
        return 0.0
    gap = getattr(result, "mip_gap", None)
    return float(gap) if gap is not None else 1.0


def solve(
    *,
    items: list[Item],
    slots: list[Slot],
    shares: list[float],
    weights: list[float],
    time_limit: float,
) -> Solution | None:
    """Both stages. None if the model is infeasible (the caller's checks should prevent it)."""
    started = time.monotonic()
    n_classes = 1 + max((slot.klass for slot in slots), default=-1)
    class_free = [0] * n_classes
    class_slots = defaultdict(list)
    for index, slot in enumerate(slots):
        class_free[slot.klass] += slot.free
        class_slots[slot.klass].append(index)

    # Types, in a fixed order; members by id.
    members = defaultdict(list)
    for item in items:
        members[(item.classes, item.burdens, item.profile)].append(item.id)
    types = sorted(members)
    for key in types:
        members[key].sort()
    profiles = sorted({key[2] for key in types})
    profile_index = {profile: i for i, profile in enumerate(profiles)}

    z = [
        (t, k, burden)
        for t, key in enumerate(types)
        for k, burden in zip(key[0], key[1], strict=True)
    ]
    nz = len(z)

    def type_rows(rows):
        by_type = defaultdict(list)
        for col, (t, _k, _b) in enumerate(z):
            by_type[t].append((col, 1.0))
        for t, key in enumerate(types):
            count = len(members[key])
            rows.add(by_type[t], count, count)

    # Stage 1: least total burden.
    rows = _Rows()
    type_rows(rows)
    by_class = defaultdict(list)
    for col, (_t, k, _b) in enumerate(z):
        by_class[k].append((col, 1.0))
    for k in range(n_classes):
        if by_class[k]:
            rows.add(by_class[k], 0, class_free[k])
    upper = [len(members[types[t]]) for t, _k, _b in z]
    if nz:
        first = _milp([b for _t, _k, b in z], [1] * nz, upper, rows, time_limit)
        if first.x is None:
            return None
        burden_total = round(float(first.fun))
        burden_gap = _gap(first)
        z_values = np.rint(first.x[:nz]).astype(int)
    else:
        burden_total, burden_gap, z_values = 0, 0.0, np.zeros(0, dtype=int)

    # Stage 2: the same burden, least imbalance.
    w = []  # (profile, slot)
    w_of = {}
    for b_index, profile in enumerate(profiles):
        reachable = {k for t, k, _b in z if types[t][2] == profile}
        for s_index, slot in enumerate(slots):
            if slot.klass in reachable:
                w_of[(b_index, s_index)] = nz + len(w)
                w.append((b_index, s_index))
    nw = len(w)
    d = [(g, s) for g in range(len(shares)) for s in range(len(slots))]

    balance_gap = 0.0
    balance_bound = None
    stage2 = None
    decomposed = nw and d and nz + nw > FULL_MODEL_LIMIT
    if decomposed:
        w_values = _deal(
            z=z,
            z_values=z_values,
            types=types,
            profiles=profiles,
            w_of=w_of,
            slots=slots,
            class_slots=class_slots,
        )
        balance_bound = _bound(
            slots=slots,
            shares=shares,
            weights=weights,
            full=sum(len(m) for m in members.values()) == sum(slot.free for slot in slots),
        )
    elif nw and d:
        rows = _Rows()
        type_rows(rows)
        link = defaultdict(list)
        for col, (t, k, _b) in enumerate(z):
            link[(profile_index[types[t][2]], k)].append((col, -1.0))
        for (b_index, s_index), col in w_of.items():
            link[(b_index, slots[s_index].klass)].append((col, 1.0))
        for key in sorted(link):
            rows.add(link[key], 0, 0)
        per_slot = defaultdict(list)
        for (b_index, s_index), col in w_of.items():
            per_slot[s_index].append((b_index, col))
        for s_index, slot in enumerate(slots):
            if per_slot[s_index]:
                rows.add([(col, 1.0) for _b, col in per_slot[s_index]], 0, slot.free)
        rows.add([(col, float(b)) for col, (_t, _k, b) in enumerate(z)], 0, burden_total)
        for offset, (g, s_index) in enumerate(d):
            slot = slots[s_index]
            share = shares[g]
            expr = [
                (col, (1.0 if g in profiles[b_index] else 0.0) - share)
                for b_index, col in per_slot[s_index]
            ]
            constant = slot.pinned_groups[g] - share * slot.pinned
            d_col = nz + nw + offset
            rows.add([(d_col, 1.0)] + [(col, -v) for col, v in expr], constant, np.inf)
            rows.add([(d_col, 1.0)] + expr, -constant, np.inf)
        cost = [0.0] * (nz + nw) + [weights[g] for g, _s in d]
        integrality = [1] * (nz + nw) + [0] * len(d)
        upper = (
            [len(members[types[t]]) for t, _k, _b in z]
            + [slots[s].free for _b, s in w]
            + [np.inf] * len(d)
        )
        remaining = time_limit - (time.monotonic() - started)
        stage2 = _milp(cost, integrality, upper, rows, remaining)
        if stage2.x is not None:
            z_values = np.rint(stage2.x[:nz]).astype(int)
            w_values = np.rint(stage2.x[nz : nz + nw]).astype(int)
            balance_gap = _gap(stage2)
        else:
            stage2 = None
    if stage2 is None and not decomposed:
        # No balance terms (or no solution in time): fill each class's cohorts in id order.
        w_values = _fill(z, z_values, types, profile_index, w, w_of, slots, class_slots)
        if nw and d:
            balance_gap = 1.0

    # Hand out people: types in order, each type's members by id.
    pools = defaultdict(list)
    taken = defaultdict(int)
    for col, (t, k, _b) in enumerate(z):
        count = int(z_values[col])
        key = types[t]
        start = taken[t]
        pools[(profile_index[key[2]], k)].extend(members[key][start : start + count])
        taken[t] += count
    assignments = {}
    cursor = defaultdict(int)
    for col_index, (b_index, s_index) in enumerate(w):
        pool = pools[(b_index, slots[s_index].klass)]
        if cursor[(b_index, slots[s_index].klass)] == 0:
            pool.sort()
        start = cursor[(b_index, slots[s_index].klass)]
        count = int(w_values[col_index])
        for place_id in pool[start : start + count]:
            assignments[place_id] = slots[s_index].id
        cursor[(b_index, slots[s_index].klass)] += count
    return Solution(
        assignments=assignments,
        optimal=burden_gap == 0.0 and balance_gap == 0.0 and balance_bound is None,
        burden_gap=burden_gap,
        balance_gap=balance_gap,
        balance_bound=balance_bound,
    )


def _fill(z, z_values, types, profile_index, w, w_of, slots, class_slots):
    """w from z alone: each class's people into its cohorts in order, as capacity allows."""
    arriving = defaultdict(int)
    for col, (t, k, _b) in enumerate(z):
        arriving[(profile_index[types[t][2]], k)] += int(z_values[col])
    room = {s: slot.free for s, slot in enumerate(slots)}
    values = np.zeros(len(w), dtype=int)
    for (b_index, k), count in sorted(arriving.items()):
        for s_index in class_slots[k]:
            if count == 0:
                break
            col = w_of.get((b_index, s_index))
            if col is None:
                continue
            put = min(count, room[s_index])
            values[col - len(z)] += put
            room[s_index] -= put
            count -= put
    return values


def _rounding(share: float, size: int) -> float:
    """The least |n − share × size| over whole numbers n: no cohort of that size can do better."""
    target = share * size
    return abs(target - round(target))


def _deal(*, z, z_values, types, profiles, w_of, slots, class_slots):
    """Stage 2 for a large edition: each class's people, sorted by balance profile, dealt
    round-robin to its cohorts (skipping full ones), so every group is spread as evenly as
    the class allows. Deterministic; its distance from optimal is bounded by `_bound`."""
    profile_index = {profile: i for i, profile in enumerate(profiles)}
    arriving = defaultdict(lambda: defaultdict(int))
    for col, (t, k, _b) in enumerate(z):
        arriving[k][profile_index[types[t][2]]] += int(z_values[col])
    values = np.zeros(len(w_of), dtype=int)
    nz = len(z)
    for k in sorted(class_slots):
        members = class_slots[k]
        room = {s: slots[s].free for s in members}
        turn = 0
        for b, count in sorted(arriving[k].items()):
            for _ in range(count):
                while room[members[turn % len(members)]] == 0:
                    turn += 1
                s = members[turn % len(members)]
                values[w_of[(b, s)] - nz] += 1
                room[s] -= 1
                turn += 1
    return values


def _bound(*, slots, shares, weights, full):
    """A proven lower bound on stage 2's imbalance: when every cohort must be full, each
    (group, cohort) term is at least the distance from share × capacity to a whole number;
    otherwise nothing better than 0 is proven here."""
    if not full:
        return 0.0
    total = 0.0
    for g, share in enumerate(shares):
        for slot in slots:
            target = share * (slot.pinned + slot.free)
            total += weights[g] * abs(target - round(target))
    return total
