/** One color per cache mode, shared by the charts and the HTML tables so a mode looks the same everywhere. */

/** Colorblind-safe (Okabe–Ito) colors per known mode; other modes take the spares in plan order. */
export const MODE_COLORS: Readonly<Record<string, string>> = {
  none: '#8c8c8c',
  local: '#E69F00',
  inline: '#56B4E9',
  'registry-min': '#009E73',
  'registry-max': '#0072B2',
};
const SPARE_COLORS = ['#D55E00', '#CC79A7', '#8B6D3F', '#5E3C99', '#B2182B'];

export function modeColor(mode: string, modes: readonly string[]): string {
  const known = MODE_COLORS[mode];
  if (known) return known;
  const unknown = modes.filter((m) => !MODE_COLORS[m]);
  return SPARE_COLORS[Math.max(0, unknown.indexOf(mode)) % SPARE_COLORS.length] as string;
}
