"""The two-stage integer programme, solved with scipy.optimize.milp / linprog (HiGHS).

People are aggregated into *types* (same weekend availability, same burden at every venue
city, same balance profile), and cohorts into *classes* (same weekend and venue city), so the
models' size follows the variety of the input, not its length.

solve() first tries the joint model when it is small enough (small and mid-size editions,
up to a few hundred people); if that is not proven optimal, or the edition is larger,
large.solve (through stage 1's optimal face; fast at any size, exact when it meets its
bound) runs, and the better answer is kept. The joint model:

  z[t, k]  how many people of type t go to class k (integer)
  w[b, c]  how many people of balance profile b go to cohort c (integer)
  d[g, c]  |members of group g in c − share_g × size of c| (continuous)

Stage 1 minimises the total burden Σ burden(t, k)·z[t, k] (a transportation problem).
Stage 2 keeps the burden at stage 1's value and minimises Σ weight_g·d[g, c]. When cohorts
may stay part-empty the target share_g × size(c) moves with the size, and the plain
linearisation's relaxation is near 0 (fractional people fit any mix exactly), so stage 2 is
written per size: y[c, S] = 1 when c has S people, and for each S the deviation is bounded by
the convex hull of |n − share_g × S| over whole n (the chord between the floor and ceiling of
the target), which makes the relaxation nearly tight. Interchangeable cohorts (same class and
capacity, none pinned) are ordered by size. People are then handed out deterministically:
within a type by id, classes and cohorts in id order.

large.solve's stated bound is raised to _rounding_bound's where that is higher (whole people
in cohorts whose size may vary), so its stated gap is nearer the truth.
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_array

from . import large

OPTIMAL = 0
TOLERANCE = 1e-6

# The joint model (below) is tried first only when it has at most this many integer variables
# (types × classes plus profiles × cohorts; 60 into 4 cohorts: ~270, 100 into 6: ~600, 150
# into 10: ~1,150): past that its root relaxation alone takes HiGHS longer than the preview can
# wait (~10 s at 150 people), and large.solve's answer stands.
FULL_MODEL_LIMIT = 1000
# The joint stage 2's budget in branch-and-bound nodes, not seconds, so that the same input
# gives the same answer however busy the machine is (time_limit only guards against runaway).
JOINT_NODES = 50


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
    burden_gap: float  # proven relative gap of stage 1 (0.0: least burden proven)
    # A proven lower bound on the imbalance of any least-burden assignment (None: no balance
    # terms), so the caller can state the gap of the answer it got.
    balance_bound: float | None
    imbalance: float = 0.0


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


def _milp(c, integrality, upper, rows, seconds, nodes=None):
    options = {"time_limit": max(seconds, 0.5), "mip_rel_gap": 0.0, "presolve": True}
    if nodes is not None:
        options["node_limit"] = nodes
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
    kinds: list[str] | None = None,
) -> Solution | None:
    """Both stages. None if no assignment fits (the caller's checks should prevent it).

    `kinds` names each balance group's kind ("region", "experienced", "accommodation").
    large.solve runs first; if it cannot prove its answer optimal and the joint model is
    small enough, the joint model gets the remaining time, and the better answer is kept."""
    started = time.monotonic()
    class_slots = defaultdict(list)
    for index, slot in enumerate(slots):
        class_slots[slot.klass].append(index)

    # Types, in a fixed order; members by id.
    members = defaultdict(list)
    for item in items:
        members[(item.classes, item.burdens, item.profile)].append(item.id)
    types = sorted(members)
    for key in types:
        members[key].sort()
    profile_of = {item.id: item.profile for item in items}

    def spread(assignments):
        size = {s.id: s.pinned for s in slots}
        have = {(g, s.id): s.pinned_groups[g] for s in slots for g in range(len(shares))}
        for pid, cohort in assignments.items():
            size[cohort] += 1
            for g in profile_of[pid]:
                have[(g, cohort)] += 1
        return sum(
            weights[g] * abs(have[(g, s.id)] - shares[g] * size[s.id])
            for g in range(len(shares))
            for s in slots
        )

    def proven(solution):
        bound = solution.balance_bound
        return bound is None or solution.imbalance <= bound + TOLERANCE * max(1.0, bound)

    # Small and mid-size editions: the joint model first (its size-indexed stage 2 usually
    # proves the optimum at the root); large.solve only if it stopped short.
    size = sum(len(key[0]) for key in types) + len({key[2] for key in types}) * len(slots)
    joint = None
    if not shares or size <= FULL_MODEL_LIMIT:
        joint = _joint(
            types=types,
            members=members,
            slots=slots,
            class_slots=class_slots,
            shares=shares,
            weights=weights,
            time_limit=time_limit,
        )
        if joint is not None:
            joint.imbalance = spread(joint.assignments) if shares else 0.0
            if joint.burden_gap > 0.0 or proven(joint):
                return joint
        if not shares:
            return joint
    best = None
    answer = large.solve(
        types=types,
        members=members,
        slots=slots,
        class_slots=class_slots,
        shares=shares,
        weights=weights,
        kinds=kinds or ["region"] * len(shares),
        time_limit=time_limit - (time.monotonic() - started),
    )
    if answer is not None:
        assignments, bound = answer
        assignments = {pid: slots[s].id for pid, s in assignments.items()}
        rounding = _rounding_bound(slots=slots, people=len(items), shares=shares, weights=weights)
        bound = max(bound, rounding)
        best = Solution(assignments, 0.0, bound, spread(assignments))
    if joint is None:
        return best
    if best is None:
        return joint
    bound = max(best.balance_bound, joint.balance_bound or 0.0)
    keep = joint if joint.imbalance < best.imbalance - TOLERANCE else best
    keep.balance_bound = bound
    return keep


def _rounding_bound(*, slots, people, shares, weights):
    """A lower bound on the imbalance of any assignment of `people` (free ones, beside the
    pinned) at all: a cohort of S people is at least Σ_g weight_g × (distance from share_g × S
    to a whole number) off, since its count of each group is whole; minimised over the cohort
    sizes that seat everyone (a dynamic programme over cohorts). It counts what large.solve's
    bound cannot: the rounding in cohorts that may stay part-empty."""
    if not shares or not slots:
        return 0.0
    shares, weights = np.asarray(shares, dtype=float), np.asarray(weights, dtype=float)
    sizes = np.arange(max(slot.pinned + slot.free for slot in slots) + 1)
    targets = np.outer(sizes, shares)
    off = (np.abs(targets - np.rint(targets)) * weights).sum(axis=1)
    # least[t]: the least total over the cohorts so far seating t free people.
    least = np.full(people + 1, np.inf)
    least[0] = 0.0
    for slot in slots:
        after = np.full(people + 1, np.inf)
        for extra in range(min(slot.free, people) + 1):
            candidate = least[: people + 1 - extra] + off[slot.pinned + extra]
            after[extra:] = np.minimum(after[extra:], candidate)
        least = after
    bound = float(least[people])
    # A hair under, so floating-point noise never overstates it.
    return max(bound - TOLERANCE * max(1.0, bound), 0.0) if np.isfinite(bound) else 0.0


def _joint(*, types, members, slots, class_slots, shares, weights, time_limit):
    """Both stages as whole MILPs over types (z), profiles per cohort (w) and deviations (d)."""
    started = time.monotonic()
    n_classes = 1 + max((slot.klass for slot in slots), default=-1)
    class_free = [0] * n_classes
    for slot in slots:
        class_free[slot.klass] += slot.free
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

    balance_bound = None
    stage2 = None
    if nw and d:
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
        # The deviation of group g in cohort c, written for each size c may have: y[c, S]
        # (c has S people; exactly one S per cohort), n[g, c, S] (its members of g when it
        # has S, else 0) and e[g, c, S] >= the convex hull of |n − share × S| over whole n.
        # d[g, c] = Σ_S e[g, c, S]. A tight relaxation: with S fixed the target is fixed.
        base = nz + nw + len(d)
        y_of = {}
        extra_upper = []
        extra_integer = []
        for s_index, slot in enumerate(slots):
            for size in range(slot.pinned, slot.pinned + slot.free + 1):
                y_of[(s_index, size)] = base + len(extra_upper)
                extra_upper.append(1.0)
                extra_integer.append(1)
        ne_of = {}
        for g, s_index in d:
            slot = slots[s_index]
            for size in range(slot.pinned, slot.pinned + slot.free + 1):
                ne_of[(g, s_index, size)] = base + len(extra_upper)
                extra_upper += [float(size), np.inf]
                extra_integer += [0, 0]
        for s_index, slot in enumerate(slots):
            sizes = range(slot.pinned, slot.pinned + slot.free + 1)
            rows.add([(y_of[(s_index, size)], 1.0) for size in sizes], 1, 1)
            # size = pinned + Σ w
            rows.add(
                [(y_of[(s_index, size)], float(size)) for size in sizes]
                + [(col, -1.0) for _b, col in per_slot[s_index]],
                slot.pinned,
                slot.pinned,
            )
        # Cohorts alike in every way (class, capacity, no pins) are interchangeable: order
        # their sizes, so the search does not visit each answer once per permutation.
        alike = defaultdict(list)
        for s_index, slot in enumerate(slots):
            if slot.pinned == 0:
                alike[(slot.klass, slot.free)].append(s_index)
        for group in alike.values():
            for one, two in zip(group, group[1:], strict=False):
                rows.add(
                    [(y_of[(one, size)], float(size)) for size in range(slots[one].free + 1)]
                    + [(y_of[(two, size)], -float(size)) for size in range(slots[two].free + 1)],
                    0,
                    np.inf,
                )
        everyone = sum(len(people) for people in members.values()) + sum(s.pinned for s in slots)
        in_group = [round(share * everyone) for share in shares]
        for offset, (g, s_index) in enumerate(d):
            slot = slots[s_index]
            share = shares[g]
            sizes = range(slot.pinned, slot.pinned + slot.free + 1)
            d_col = nz + nw + offset
            members_g = [col for b_index, col in per_slot[s_index] if g in profiles[b_index]]
            rows.add(
                [(ne_of[(g, s_index, size)], 1.0) for size in sizes]
                + [(col, -1.0) for col in members_g],
                slot.pinned_groups[g],
                slot.pinned_groups[g],
            )
            rows.add(
                [(d_col, 1.0)] + [(ne_of[(g, s_index, size)] + 1, -1.0) for size in sizes], 0, 0
            )
            for size in sizes:
                n_col = ne_of[(g, s_index, size)]
                e_col = n_col + 1
                y_col = y_of[(s_index, size)]
                target = share * size
                low = np.floor(target)
                frac = target - low
                rows.add([(n_col, 1.0), (y_col, -float(min(size, in_group[g])))], -np.inf, 0)
                rows.add([(n_col, 1.0), (y_col, -float(slot.pinned_groups[g]))], 0, np.inf)
                rows.add([(e_col, 1.0), (n_col, -1.0), (y_col, target)], 0, np.inf)
                rows.add([(e_col, 1.0), (n_col, 1.0), (y_col, -target)], 0, np.inf)
                # Between floor and ceiling of the target: the chord through them.
                slope = 1.0 - 2.0 * frac
                rows.add([(e_col, 1.0), (n_col, -slope), (y_col, slope * low - frac)], 0, np.inf)
        cost = [0.0] * (nz + nw) + [weights[g] for g, _s in d] + [0.0] * len(extra_upper)
        integrality = [1] * (nz + nw) + [0] * len(d) + extra_integer
        upper = (
            [len(members[types[t]]) for t, _k, _b in z]
            + [slots[s].free for _b, s in w]
            + [np.inf] * len(d)
            + extra_upper
        )
        remaining = time_limit - (time.monotonic() - started)
        stage2 = _milp(cost, integrality, upper, rows, remaining, nodes=JOINT_NODES)
        if stage2.x is not None:
            z_values = np.rint(stage2.x[:nz]).astype(int)
            w_values = np.rint(stage2.x[nz : nz + nw]).astype(int)
            if stage2.status == OPTIMAL:
                balance_bound = float(stage2.fun)
            else:
                balance_bound = float(getattr(stage2, "mip_dual_bound", None) or 0.0)
        else:
            stage2 = None
    if stage2 is None:
        # No balance terms (or no solution in time): fill each class's cohorts in id order.
        w_values = _fill(z, z_values, types, profile_index, w, w_of, slots, class_slots)
        if shares:
            balance_bound = 0.0

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
        burden_gap=burden_gap,
        balance_bound=max(balance_bound, 0.0) if balance_bound is not None else None,
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
