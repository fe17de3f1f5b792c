"""The benchmark DAG (JSON from bench/dag.mjs, path in $DAG) on dask's synchronous scheduler:
one task per step, each 1 + the sum of the tasks it reads, as bench/workload.mjs does."""
import json
import os

import dask

with open(os.environ["DAG"]) as file:
    dag = json.load(file)


def sum_plus_one(*inputs):
    return 1 + sum(inputs)


graph = {
    name: (sum_plus_one, *[dag["names"][dep] for dep in deps])
    for name, deps in zip(dag["names"], dag["deps"])
}
dask.get(graph, [dag["names"][sink] for sink in dag["sinks"]], scheduler="sync")
