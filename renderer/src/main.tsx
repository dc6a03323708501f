import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { ExperimentsPage } from './features/experiments/experiments-page';
import './styles.css';

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <div className="app">
      <nav className="topbar">
        <span className="brand">MLDesk</span>
      </nav>
      <ExperimentsPage />
    </div>
  </StrictMode>,
);
