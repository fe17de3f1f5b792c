// A flow's graph: steps as nodes coloured by status (plan or run), edges from each dependency; fit, zoom,
// minimap and controls from @xyflow/react. Selecting a node calls `onSelect` with its name.
import {
  Background,
  Controls,
  MiniMap,
  Position,
  ReactFlow,
  type Edge,
  type Node,
} from "@xyflow/react";
import "@xyflow/react/dist/style.css";
import { useEffect, useMemo, useState } from "react";
import { CanvasGraph } from "./CanvasGraph.js";
import {
  depthLayout,
  ELK_MAX_NODES,
  elkLayout,
  NODE_HEIGHT,
  NODE_WIDTH,
  type GraphStep,
  type Positions,
} from "./layout.js";

export interface GraphProps {
  steps: readonly GraphStep[];
  /** A status per step (pending, complete, running, succeeded, failed...): the node's colour. */
  statusOf?: (name: string) => string | undefined;
  /** A second line under the name (a reason). */
  noteOf?: (name: string) => string | undefined;
  onSelect?: (name: string) => void;
}

export function FlowGraph({ steps, statusOf, noteOf, onSelect }: GraphProps) {
  const [layout, setLayout] = useState<{ positions: Positions; round: number }>();
  const positions = layout?.positions;
  // Each new layout is fitted to the view (the ReactFlow below is mounted again for it).
  const setPositions = (found: Positions) =>
    setLayout((previous) => ({ positions: found, round: (previous?.round ?? 0) + 1 }));
  const [ready, setReady] = useState(false);
  const shape = steps.map((s) => `${s.name}<${s.deps.join(",")}`).join(";");
  useEffect(() => {
    let current = true;
    // The depth layout at once (one pass), then ELK's when its worker has it: the graph is usable
    // while ELK computes.
    setPositions(depthLayout(steps));
    if (steps.length <= ELK_MAX_NODES)
      void elkLayout(steps).then((found) => current && setPositions(found));
    return () => {
      current = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [shape]);
  const nodes = useMemo<Node[]>(
    () =>
      positions && steps.length <= ELK_MAX_NODES
        ? steps.map((step) => {
            const status = statusOf?.(step.name) ?? "pending";
            const note = noteOf?.(step.name);
            return {
              id: step.name,
              position: positions.get(step.name) ?? { x: 0, y: 0 },
              data: {
                label: (
                  <span>
                    {step.name}
                    {note ? <small className="node-note">{note}</small> : null}
                  </span>
                ),
              },
              className: `node node-${status}`,
              // Laid out left to right: data comes in on the left, goes out on the right.
              sourcePosition: Position.Right,
              targetPosition: Position.Left,
              style: { width: NODE_WIDTH, height: NODE_HEIGHT },
              ariaLabel: `step ${step.name}: ${status}${note ? `, ${note}` : ""}`,
            };
          })
        : [],
    [positions, steps, statusOf, noteOf],
  );
  const edges = useMemo<Edge[]>(
    () =>
      steps.flatMap((step) =>
        step.deps.map((dep) => ({ id: `${dep}->${step.name}`, source: dep, target: step.name })),
      ),
    [steps],
  );
  if (!positions) return <p aria-busy="true">Laying out {steps.length} steps…</p>;
  if (steps.length > ELK_MAX_NODES)
    return (
      <div className="graph" data-testid="flow-graph">
        <CanvasGraph steps={steps} positions={positions} statusOf={statusOf} onSelect={onSelect} />
      </div>
    );
  return (
    <div className="graph" data-testid="flow-graph" data-ready={ready ? "true" : undefined}>
      <ReactFlow
        key={layout?.round}
        onInit={() => setReady(true)}
        nodes={nodes}
        edges={edges}
        fitView
        minZoom={0.05}
        nodesDraggable={false}
        onNodeClick={(_, node) => onSelect?.(node.id)}
        onlyRenderVisibleElements
      >
        <Background />
        <MiniMap pannable zoomable />
        <Controls />
      </ReactFlow>
    </div>
  );
}
