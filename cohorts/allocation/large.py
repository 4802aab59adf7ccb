"""Stage 2 through the optimal face of stage 1: fast, and exact whenever its bound is met.

1. Stage 1 as a linear programme (a transportation problem, so its vertex solution is whole)
   with its duals. By complementary slackness an assignment has the least burden exactly when
   it only uses (type, class) pairs of zero reduced cost and fills every class whose capacity
   has a non-zero price: that describes all least-burden assignments without a burden row,
   and people with the same allowed classes and balance profile merge into one type.
2. A class-level model chooses how many of each type go to each class (venue city and
   weekend), minimising a proven lower bound of the imbalance: for a class whose cohorts are
   all full, the least Σ_c |n(g, c) − share(g) × size(c)| that *any* split of its members of
   g could reach (convex piecewise linear in their number; classes that may stay part-empty
   count 0). Its LP relaxation is the bound; its solution is rounded to whole numbers (a
   transportation system again), and a small model is also solved exactly for a few seconds.
3. Each class's people are dealt round-robin to its cohorts in a serpentine order (by region,
   then experience, then accommodation, alternating direction), then pairs of the same region
   are swapped between cohorts while that lowers the imbalance.

The answer keeps the least burden exactly; its imbalance is optimal when it meets the bound,
and otherwise the caller states the gap to it.
"""

from __future__ import annotations

import time
from collections import defaultdict

import numpy as np
import scipy.sparse
from scipy.optimize import linprog, milp
from scipy.sparse import coo_array

TOLERANCE = 1e-6
# How long, and up to what size, the class-level MILP may try to beat the rounded relaxation
# (at 1,000 people it proves the optimum in well under a second; at 5,000, with ~9,000
# variables, it does not finish in 5 s, and the rounding is within 1%).
CLASS_MILP_SECONDS = 3.0
CLASS_MILP_VARIABLES = 5000


def _segments(*, pinned: list[int], targets: list[float], sizes: list[int]):
    """The convex piecewise-linear least Σ_c |n_c − t_c| over whole n_c in [pinned_c, size_c]
    with Σ n_c = Σ pinned_c + i, as pieces (i at the piece's start, value there, slope)."""
    value = sum(abs(p - t) for p, t in zip(pinned, targets, strict=True))
    steps = sorted(
        abs(n + 1 - t) - abs(n - t)
        for p, t, size in zip(pinned, targets, sizes, strict=True)
        for n in range(p, size)
    )
    pieces = []
    for i, slope in enumerate(steps):
        if not pieces or abs(pieces[-1][2] - slope) > TOLERANCE:
            pieces.append((i, value, slope))
        value += slope
    return pieces or [(0, value, 0.0)]


def solve(*, types, members, slots, class_slots, shares, weights, kinds, time_limit):
    """Assignments {place id: slot index} and a proven lower bound on the imbalance of any
    least-burden assignment, or None if a step found nothing (the caller then falls back)."""
    started = time.monotonic()
    classes = sorted(class_slots)
    class_free = {k: sum(slots[s].free for s in class_slots[k]) for k in classes}
    z = [(t, k, b) for t, key in enumerate(types) for k, b in zip(key[0], key[1], strict=True)]
    if not z:
        return {}, 0.0
    row_of_class = {k: i for i, k in enumerate(sorted({k for _t, k, _b in z}))}
    eq = coo_array(
        ([1.0] * len(z), ([t for t, _k, _b in z], range(len(z)))), shape=(len(types), len(z))
    )
    ub = coo_array(
        ([1.0] * len(z), ([row_of_class[k] for _t, k, _b in z], range(len(z)))),
        shape=(len(row_of_class), len(z)),
    )
    lp = linprog(
        c=[float(b) for _t, _k, b in z],
        A_ub=ub.tocsr(),
        b_ub=[class_free[k] for k in sorted(row_of_class)],
        A_eq=eq.tocsr(),
        b_eq=[len(members[key]) for key in types],
        bounds=(0, None),
        method="highs-ds",
        options={"time_limit": max(time_limit, 0.5)},
    )
    if lp.status != 0:
        return None
    u, v = lp.eqlin.marginals, lp.ineqlin.marginals
    forced_full = {k for k, row in row_of_class.items() if v[row] < -TOLERANCE}

    # Types on the optimal face: (allowed classes, profile) -> members.
    merged = defaultdict(list)
    for t, key in enumerate(types):
        allowed = tuple(
            k
            for k, b in zip(key[0], key[1], strict=True)
            if b - u[t] - v[row_of_class[k]] <= TOLERANCE
        )
        merged[(allowed, key[2])].extend(members[key])
    kinds_of = sorted(merged)
    for key in kinds_of:
        merged[key].sort()

    everyone_fits_exactly = sum(len(m) for m in members.values()) == sum(class_free.values())
    full = {k for k in classes if k in forced_full or everyone_fits_exactly}

    # The class-level MILP: x[j, k] people of merged type j to class k; e[g, k] the bound.
    # Types with one allowed class have no choice: they are constants of the model.
    if any(not key[0] for key in kinds_of):
        return None
    fixed, fixed_groups = defaultdict(int), defaultdict(int)
    for key in kinds_of:
        if len(key[0]) == 1:
            fixed[key[0][0]] += len(merged[key])
            for g in key[1]:
                fixed_groups[(g, key[0][0])] += len(merged[key])
    x = [(j, k) for j, key in enumerate(kinds_of) if len(key[0]) > 1 for k in key[0]]
    e = [(g, k) for k in sorted(full) for g in range(len(shares))]
    n = len(x) + len(e)
    rows, cols, vals, lo, hi = [], [], [], [], []

    def add(terms, low, high):
        for col, val in terms:
            rows.append(len(lo))
            cols.append(col)
            vals.append(val)
        lo.append(low)
        hi.append(high)

    by_type, by_class = defaultdict(list), defaultdict(list)
    for col, (j, k) in enumerate(x):
        by_type[j].append((col, 1.0))
        by_class[k].append((col, 1.0))
    for j, key in enumerate(kinds_of):
        if by_type[j]:
            add(by_type[j], len(merged[key]), len(merged[key]))
    for k in classes:
        room = class_free[k] - fixed[k]
        if by_class[k]:
            add(by_class[k], room if k in forced_full else 0, room)
    into = defaultdict(list)
    for col, (j, k) in enumerate(x):
        for g in kinds_of[j][1]:
            into[(g, k)].append(col)
    type_class_rows = len(lo)
    pieces_of = []
    for offset, (g, k) in enumerate(e):
        cohort = [slots[s] for s in class_slots[k]]
        sizes = [slot.free + slot.pinned for slot in cohort]
        pieces = _segments(
            pinned=[slot.pinned_groups[g] for slot in cohort],
            targets=[shares[g] * size for size in sizes],
            sizes=sizes,
        )
        pieces_of.append(pieces)
        members_of_g = into[(g, k)]
        for start, value, slope in pieces:
            add(
                [(len(x) + offset, 1.0)] + [(col, -slope) for col in members_of_g],
                value - slope * (start - fixed_groups[(g, k)]),
                np.inf,
            )
    upper = np.array([len(merged[kinds_of[j]]) for j, _k in x] + [np.inf] * len(e), dtype=float)
    cost = np.array([0.0] * len(x) + [weights[g] for g, _k in e])
    matrix = coo_array((vals, (rows, cols)), shape=(len(lo), n)).tocsr()
    # Its linear relaxation: the proven bound (in practice as tight as the MILP's own).
    lo, hi = np.array(lo, dtype=float), np.array(hi, dtype=float)
    equal = lo == hi
    upper_rows = ~equal & np.isfinite(hi)
    lower_rows = ~equal & np.isfinite(lo) & (lo > -np.inf)
    if n:
        a_ub = scipy.sparse.vstack([matrix[upper_rows], -matrix[lower_rows]]).tocsr()
        relaxed = linprog(
            c=cost,
            A_ub=a_ub if a_ub.shape[0] else None,
            b_ub=np.concatenate([hi[upper_rows], -lo[lower_rows]]) if a_ub.shape[0] else None,
            A_eq=matrix[equal] if equal.any() else None,
            b_eq=lo[equal] if equal.any() else None,
            bounds=list(zip(np.zeros(n), upper, strict=True)),
            method="highs-ipm",
            options={"time_limit": max(time_limit - (time.monotonic() - started), 0.5)},
        )
        if relaxed.status != 0:
            return None
        bound, x_star = float(relaxed.fun), relaxed.x[: len(x)]
    else:
        bound, x_star = 0.0, np.zeros(0)
    # Whole numbers next to it: each x between the floor and ceiling of its relaxed value
    # (type and class rows alone are a transportation system, so such a point exists), priced
    # by the slope of each bound term where the relaxation sits.
    price = np.zeros(len(x))
    for (g, k), offset in zip(e, range(len(e)), strict=True):
        at = fixed_groups[(g, k)] + sum(x_star[col] for col in into[(g, k)])
        slope = [sl for start, _v, sl in pieces_of[offset] if start <= at + TOLERANCE][-1]
        for col in into[(g, k)]:
            price[col] += weights[g] * slope
    if not x:
        counts = np.zeros(0, dtype=int)
    else:
        result = milp(
            c=price,
            integrality=np.ones(len(x)),
            bounds=(np.floor(x_star + TOLERANCE), np.ceil(x_star - TOLERANCE)),
            constraints=(
                matrix[:type_class_rows, : len(x)],
                lo[:type_class_rows],
                hi[:type_class_rows],
            ),
            options={"time_limit": max(time_limit - (time.monotonic() - started), 0.5)},
        )
        if result.x is None:
            return None
        counts = np.rint(result.x).astype(int)

        def value(xv):
            total = 0.0
            for offset, (g, k) in enumerate(e):
                at = fixed_groups[(g, k)] + sum(xv[col] for col in into[(g, k)])
                total += weights[g] * max(v + sl * (at - st) for st, v, sl in pieces_of[offset])
            return total

        # Rounding can lose a little; when it did, let the class-level MILP try for a while.
        rounded = value(counts)
        remaining = time_limit - (time.monotonic() - started)
        if rounded > bound + TOLERANCE and remaining > 1.0 and len(x) <= CLASS_MILP_VARIABLES:
            exact = milp(
                c=cost,
                integrality=np.array([1] * len(x) + [0] * len(e)),
                bounds=(np.zeros(n), upper),
                constraints=(matrix, lo, hi),
                options={"time_limit": min(remaining / 2, CLASS_MILP_SECONDS), "mip_rel_gap": 0.0},
            )
            if exact.x is not None:
                better = np.rint(exact.x[: len(x)]).astype(int)
                if value(better) < rounded - TOLERANCE:
                    counts = better
                dual = getattr(exact, "mip_dual_bound", None)
                if exact.status == 0:
                    bound = max(bound, float(exact.fun))
                elif dual is not None:
                    bound = max(bound, float(dual))

    # People to classes: each merged type's members by id, classes in order.
    arriving = defaultdict(list)
    taken = defaultdict(int)
    for key in kinds_of:
        if len(key[0]) == 1:
            arriving[key[0][0]].extend((key[1], pid) for pid in merged[key])
    for col, (j, k) in enumerate(x):
        start = taken[j]
        arriving[k].extend(
            (kinds_of[j][1], pid) for pid in merged[kinds_of[j]][start : start + counts[col]]
        )
        taken[j] += counts[col]

    assignments = {}
    for k in classes:
        cohorts = class_slots[k]
        counts = _deal(_serpentine(arriving[k], kinds), cohorts=cohorts, slots=slots)
        _polish(counts, cohorts=cohorts, slots=slots, shares=shares, weights=weights, kinds=kinds)
        # Hand out people: each profile's members by id, cohorts in order.
        by_profile = defaultdict(list)
        for profile, pid in arriving[k]:
            by_profile[profile].append(pid)
        for profile in sorted(by_profile):
            pids = sorted(by_profile[profile])
            for s in cohorts:
                for _ in range(counts[s].get(profile, 0)):
                    assignments[pids.pop(0)] = s
    return assignments, max(bound, 0.0)


def _serpentine(people, kinds):
    """People sorted by region, then experience, then accommodation, each level alternating
    direction inside the one above, ties by id: dealt round-robin, consecutive people go to
    different cohorts, and the alternation keeps the lower levels even too."""

    def attributes(profile):
        region = next((g for g in profile if kinds[g] == "region"), -1)
        experienced = any(kinds[g] == "experienced" for g in profile)
        accommodation = any(kinds[g] == "accommodation" for g in profile)
        return region, int(experienced), int(accommodation)

    by_region = defaultdict(lambda: defaultdict(lambda: defaultdict(list)))
    for profile, pid in people:
        region, experienced, accommodation = attributes(profile)
        by_region[region][experienced][accommodation].append((profile, pid))
    order, block = [], 0
    for r_turn, region in enumerate(sorted(by_region)):
        for experienced in sorted(by_region[region], reverse=r_turn % 2 == 1):
            for accommodation in sorted(by_region[region][experienced], reverse=block % 2 == 1):
                order.extend(
                    sorted(by_region[region][experienced][accommodation], key=lambda p: p[1])
                )
            block += 1
    return order


def _deal(order, *, cohorts, slots):
    """Round-robin, skipping full cohorts: {slot: {profile: count}}."""
    room = {s: slots[s].free for s in cohorts}
    counts = {s: defaultdict(int) for s in cohorts}
    turn = 0
    for profile, _pid in order:
        while room[cohorts[turn % len(cohorts)]] == 0:
            turn += 1
        s = cohorts[turn % len(cohorts)]
        counts[s][profile] += 1
        room[s] -= 1
        turn += 1
    return counts


def _polish(counts, *, cohorts, slots, shares, weights, kinds):
    """Swap pairs of people of the same region between two of the class's cohorts while that
    lowers the imbalance (regions stay as evenly spread as dealt; experience and
    accommodation even out). Deterministic: a fixed scan order, first improvement taken."""
    size = {s: slots[s].pinned + sum(counts[s].values()) for s in cohorts}
    have = {
        s: [
            slots[s].pinned_groups[g] + sum(c for p, c in counts[s].items() if g in p)
            for g in range(len(shares))
        ]
        for s in cohorts
    }

    def term(s, g, n):
        return weights[g] * abs(n - shares[g] * size[s])

    region = {
        p: next((g for g in p if kinds[g] == "region"), -1) for s in cohorts for p in counts[s]
    }
    same_region = defaultdict(list)
    for p in sorted(region):
        same_region[region[p]].append(p)

    improved = True
    while improved:
        improved = False
        for i, one in enumerate(cohorts):
            for two in cohorts[i + 1 :]:
                for p in sorted(counts[one]):
                    if not counts[one][p]:
                        continue
                    for q in same_region[region[p]]:
                        if q == p or not counts[two].get(q):
                            continue
                        if not counts[one][p]:
                            break
                        moves = [(g, -1) for g in p if g not in q] + [
                            (g, 1) for g in q if g not in p
                        ]
                        delta = sum(
                            term(one, g, have[one][g] + d)
                            - term(one, g, have[one][g])
                            + term(two, g, have[two][g] - d)
                            - term(two, g, have[two][g])
                            for g, d in moves
                        )
                        if delta < -TOLERANCE:
                            for g, d in moves:
                                have[one][g] += d
                                have[two][g] -= d
                            counts[one][p] -= 1
                            counts[two][p] += 1
                            counts[two][q] -= 1
                            counts[one][q] += 1
                            improved = True
