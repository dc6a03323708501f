/**
 * Run colours: mid-luminance hues that read on both the light and the dark theme, ordered so that
 * neighbours differ in hue and lightness. A run keeps its colour for as long as it stays selected.
 */
export const RUN_COLORS = ['#4c7cf0', '#f08c2e', '#1fa67a', '#e0457b', '#8e63e6', '#c9a21a', '#1aa6c4', '#d4542b', '#6f9a2b', '#a05195'];

export function runColor(index: number): string {
  return RUN_COLORS[index % RUN_COLORS.length]!;
}
