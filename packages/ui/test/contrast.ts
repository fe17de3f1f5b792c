// WCAG 2.x AA contrast of the text a page shows, computed in the browser: for every visible element
// with text of its own, the contrast ratio of its colour against the background behind it (ancestors'
// backgrounds composited) must be at least 4.5:1, or 3:1 for large text (24 px, or 18.67 px bold).
// Disabled controls are exempt (WCAG 1.4.3), as are the graph's minimap and canvas (no text).
// A script string, not a function, so no bundler helper can slip into what the browser evaluates.
export const contrastProblems = `(() => {
  const parse = (text) => {
    const numbers = (text.match(/[\\d.]+/g) || []).map(Number);
    const scale = text.startsWith("color(") ? 255 : 1;
    return {
      r: numbers[0] * scale,
      g: numbers[1] * scale,
      b: numbers[2] * scale,
      a: numbers.length > 3 ? numbers[3] : 1,
    };
  };
  const over = (top, bottom) => ({
    r: top.r * top.a + bottom.r * (1 - top.a),
    g: top.g * top.a + bottom.g * (1 - top.a),
    b: top.b * top.a + bottom.b * (1 - top.a),
    a: 1,
  });
  const backgroundOf = (element) => {
    const layers = [];
    for (let at = element; at; at = at.parentElement) {
      const color = parse(getComputedStyle(at).backgroundColor);
      if (color.a > 0) layers.push(color);
      if (color.a >= 1) break;
    }
    let result = parse(getComputedStyle(document.documentElement).backgroundColor);
    if (result.a < 1) result = { r: 255, g: 255, b: 255, a: 1 };
    for (const layer of layers.reverse()) result = over(layer, result);
    return result;
  };
  const luminance = (c) => {
    const channel = (v) => {
      const s = v / 255;
      return s <= 0.04045 ? s / 12.92 : Math.pow((s + 0.055) / 1.055, 2.4);
    };
    return 0.2126 * channel(c.r) + 0.7152 * channel(c.g) + 0.0722 * channel(c.b);
  };
  const problems = [];
  for (const element of document.querySelectorAll("body *")) {
    if (element.closest("svg, canvas, .react-flow__minimap, [disabled], option")) continue;
    const own = [...element.childNodes]
      .filter((node) => node.nodeType === 3)
      .map((node) => node.textContent.trim())
      .join(" ")
      .trim();
    if (!own) continue;
    const rect = element.getBoundingClientRect();
    const style = getComputedStyle(element);
    if (rect.width === 0 || rect.height === 0 || style.visibility === "hidden") continue;
    const background = backgroundOf(element);
    const color = over(parse(style.color), background);
    const [light, dark] = [luminance(color), luminance(background)].sort((a, b) => b - a);
    const ratio = (light + 0.05) / (dark + 0.05);
    const size = parseFloat(style.fontSize);
    const bold = Number(style.fontWeight) >= 700;
    const needed = size >= 24 || (bold && size >= 18.66) ? 3 : 4.5;
    if (ratio < needed)
      problems.push(
        element.tagName.toLowerCase() +
          (element.className && typeof element.className === "string" ? "." + element.className.split(" ").join(".") : "") +
          ' "' + own.slice(0, 40) + '": ' + ratio.toFixed(2) + ":1 (needs " + needed + ":1)",
      );
  }
  return [...new Set(problems)];
})()`;
