// Very large graphs (thousands of steps) drawn on one canvas: a DOM node per step would make the page
// slow. Drag to pan, wheel (or + and -) to zoom around the pointer, arrow keys pan, click selects a step.
// Names are drawn only when zoomed in enough to read them; edges are one path per draw.
import { useEffect, useRef } from "react";
import { NODE_HEIGHT, NODE_WIDTH, type GraphStep, type Positions } from "./layout.js";

interface Props {
  steps: readonly GraphStep[];
  positions: Positions;
  statusOf?: (name: string) => string | undefined;
  onSelect?: (name: string) => void;
}

const STATUS_COLOR: Record<string, string> = {
  succeeded: "--ok",
  complete: "--ok",
  failed: "--bad",
  running: "--warn",
  waiting: "--warn",
};

export function CanvasGraph({ steps, positions, statusOf, onSelect }: Props) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const view = useRef({ x: 0, y: 0, k: 1 });
  const frame = useRef<number>(0);

  useEffect(() => {
    const element = canvas.current!;
    const context = element.getContext("2d")!;
    const css = getComputedStyle(element);
    const color = (name: string) => css.getPropertyValue(name).trim() || "#888";
    const colors = {
      line: color("--line"),
      fg: color("--fg"),
      panel: color("--panel"),
      byStatus: (status: string | undefined) => color(STATUS_COLOR[status ?? ""] ?? "--muted"),
    };
    const draw = () => {
      frame.current = 0;
      const { width, height } = element.getBoundingClientRect();
      const ratio = devicePixelRatio || 1;
      if (element.width !== Math.round(width * ratio)) element.width = Math.round(width * ratio);
      if (element.height !== Math.round(height * ratio))
        element.height = Math.round(height * ratio);
      const { x, y, k } = view.current;
      context.setTransform(ratio, 0, 0, ratio, 0, 0);
      context.clearRect(0, 0, width, height);
      context.setTransform(ratio * k, 0, 0, ratio * k, ratio * x, ratio * y);
      // Only what is in view: the visible rectangle in graph coordinates.
      const left = -x / k;
      const top = -y / k;
      const right = left + width / k;
      const bottom = top + height / k;
      const visible = (p: { x: number; y: number }) =>
        p.x + NODE_WIDTH >= left && p.x <= right && p.y + NODE_HEIGHT >= top && p.y <= bottom;
      // Data edges solid, order-only (`after`) edges dashed: one path each.
      for (const orderOnly of [false, true]) {
        context.beginPath();
        for (const step of steps) {
          const to = positions.get(step.name);
          if (!to) continue;
          const after = step.after;
          for (const dep of step.deps) {
            if ((after?.includes(dep) ?? false) !== orderOnly) continue;
            const from = positions.get(dep);
            if (!from || (!visible(from) && !visible(to))) continue;
            context.moveTo(from.x + NODE_WIDTH, from.y + NODE_HEIGHT / 2);
            context.lineTo(to.x, to.y + NODE_HEIGHT / 2);
          }
        }
        context.setLineDash(orderOnly ? [6 / k, 4 / k] : []);
        context.strokeStyle = colors.line;
        context.lineWidth = 1 / k;
        context.stroke();
      }
      context.setLineDash([]);
      const labels = k > 0.45;
      context.font = "13px system-ui, sans-serif";
      context.textBaseline = "middle";
      for (const step of steps) {
        const p = positions.get(step.name);
        if (!p || !visible(p)) continue;
        context.fillStyle = colors.panel;
        context.fillRect(p.x, p.y, NODE_WIDTH, NODE_HEIGHT);
        context.strokeStyle = colors.byStatus(statusOf?.(step.name));
        context.lineWidth = 2 / k;
        context.strokeRect(p.x, p.y, NODE_WIDTH, NODE_HEIGHT);
        if (labels) {
          context.fillStyle = colors.fg;
          context.fillText(step.name, p.x + 8, p.y + NODE_HEIGHT / 2, NODE_WIDTH - 16);
        }
      }
      element.dataset.ready = "true";
      element.dataset.frames = String(Number(element.dataset.frames ?? 0) + 1);
    };
    const redraw = () => {
      if (!frame.current) frame.current = requestAnimationFrame(draw);
    };
    // Fit: the whole graph in view (at most 1:1).
    const fit = () => {
      const { width, height } = element.getBoundingClientRect();
      let maxX = 0;
      let maxY = 0;
      for (const p of positions.values()) {
        maxX = Math.max(maxX, p.x + NODE_WIDTH);
        maxY = Math.max(maxY, p.y + NODE_HEIGHT);
      }
      const k = Math.min(1, width / (maxX + 40), height / (maxY + 40));
      view.current = { x: 20 * k, y: 20 * k, k };
      redraw();
    };
    fit();

    let drag: { x: number; y: number; moved: boolean } | undefined;
    const onDown = (event: PointerEvent) => {
      drag = { x: event.clientX, y: event.clientY, moved: false };
      element.setPointerCapture(event.pointerId);
    };
    const onMove = (event: PointerEvent) => {
      if (!drag) return;
      const dx = event.clientX - drag.x;
      const dy = event.clientY - drag.y;
      if (Math.abs(dx) + Math.abs(dy) > 2) drag.moved = true;
      view.current = { ...view.current, x: view.current.x + dx, y: view.current.y + dy };
      drag.x = event.clientX;
      drag.y = event.clientY;
      redraw();
    };
    const onUp = (event: PointerEvent) => {
      const clicked = drag && !drag.moved;
      drag = undefined;
      if (!clicked) return;
      const box = element.getBoundingClientRect();
      const { x, y, k } = view.current;
      const gx = (event.clientX - box.left - x) / k;
      const gy = (event.clientY - box.top - y) / k;
      for (const [name, p] of positions)
        if (gx >= p.x && gx <= p.x + NODE_WIDTH && gy >= p.y && gy <= p.y + NODE_HEIGHT)
          return onSelect?.(name);
    };
    const zoom = (factor: number, cx: number, cy: number) => {
      const { x, y, k } = view.current;
      const next = Math.min(4, Math.max(0.02, k * factor));
      view.current = { k: next, x: cx - ((cx - x) * next) / k, y: cy - ((cy - y) * next) / k };
      redraw();
    };
    const onWheel = (event: WheelEvent) => {
      event.preventDefault();
      const box = element.getBoundingClientRect();
      zoom(event.deltaY < 0 ? 1.2 : 1 / 1.2, event.clientX - box.left, event.clientY - box.top);
    };
    const onKey = (event: KeyboardEvent) => {
      const step = 60;
      const { width, height } = element.getBoundingClientRect();
      const moves: Record<string, [number, number]> = {
        ArrowLeft: [step, 0],
        ArrowRight: [-step, 0],
        ArrowUp: [0, step],
        ArrowDown: [0, -step],
      };
      if (moves[event.key]) {
        const [dx, dy] = moves[event.key]!;
        view.current = { ...view.current, x: view.current.x + dx, y: view.current.y + dy };
        redraw();
      } else if (event.key === "+" || event.key === "=") zoom(1.2, width / 2, height / 2);
      else if (event.key === "-") zoom(1 / 1.2, width / 2, height / 2);
      else if (event.key === "0") fit();
      else return;
      event.preventDefault();
    };
    element.addEventListener("pointerdown", onDown);
    element.addEventListener("pointermove", onMove);
    element.addEventListener("pointerup", onUp);
    element.addEventListener("wheel", onWheel, { passive: false });
    element.addEventListener("keydown", onKey);
    addEventListener("resize", redraw);
    return () => {
      cancelAnimationFrame(frame.current);
      element.removeEventListener("pointerdown", onDown);
      element.removeEventListener("pointermove", onMove);
      element.removeEventListener("pointerup", onUp);
      element.removeEventListener("wheel", onWheel);
      element.removeEventListener("keydown", onKey);
      removeEventListener("resize", redraw);
    };
  }, [steps, positions, statusOf, onSelect]);

  return (
    <canvas
      ref={canvas}
      className="graph-canvas"
      tabIndex={0}
      aria-label={`Graph of ${steps.length} steps: drag or arrow keys to pan, wheel or + and - to zoom, 0 to fit; the table below lists them`}
    />
  );
}
