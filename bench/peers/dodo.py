"""The benchmark DAG (JSON from bench/dag.mjs, path in $DAG) as doit tasks: one task per step, its
output a file holding 1 + the sum of the files it reads; doit reruns a task only when a file it
depends on changed, so a second invocation is doit's no-op."""
import json
import os

with open(os.environ["DAG"]) as file:
    DAG = json.load(file)
OUT = os.environ["DOIT_OUT"]


def path_of(index):
    return os.path.join(OUT, DAG["names"][index])


def compute(index):
    total = 1
    for dep in DAG["deps"][index]:
        with open(path_of(dep)) as file:
            total += int(file.read())
    with open(path_of(index), "w") as file:
        file.write(str(total))


def task_step():
    os.makedirs(OUT, exist_ok=True)
    for index, name in enumerate(DAG["names"]):
        yield {
            "name": name,
            "actions": [(compute, [index])],
            "file_dep": [path_of(dep) for dep in DAG["deps"][index]],
            "targets": [path_of(index)],
        }
