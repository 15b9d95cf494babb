"""A plain reference for connected components, shared by the audit and Spark tests."""

from __future__ import annotations


def smallest_in_component(edges: list[tuple[int, int]]) -> dict[int, int]:
    """The smallest node of each node's component, by graph search."""
    nbrs: dict[int, set[int]] = {}
    for a, b in edges:
        nbrs.setdefault(a, set()).add(b)
        nbrs.setdefault(b, set()).add(a)
    out: dict[int, int] = {}
    for n in sorted(nbrs):
        if n in out:
            continue
        todo, seen = [n], {n}
        while todo:
            for m in nbrs[todo.pop()] - seen:
                seen.add(m)
                todo.append(m)
        out.update(dict.fromkeys(seen, n))  # n is the smallest: nodes are visited in order
    return out
