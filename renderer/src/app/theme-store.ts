import { create } from 'zustand';

export type ThemeChoice = 'light' | 'dark' | 'system';

const KEY = 'mldesk.theme';

function apply(choice: ThemeChoice): void {
  const dark = choice === 'dark' || (choice === 'system' && window.matchMedia('(prefers-color-scheme: dark)').matches);
  document.documentElement.dataset.theme = dark ? 'dark' : 'light';
}

interface ThemeState {
  choice: ThemeChoice;
  set(choice: ThemeChoice): void;
}

export const useTheme = create<ThemeState>((set) => {
  const stored = (localStorage.getItem(KEY) as ThemeChoice | null) ?? 'system';
  apply(stored);
  window.matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => apply(useTheme.getState().choice));
  return {
    choice: stored,
    set(choice) {
      localStorage.setItem(KEY, choice);
      apply(choice);
      set({ choice });
    },
  };
});
