import { useMemo, useState, type KeyboardEvent } from 'react';
import { Modal } from '../../ui/modal.js';
import { rankPaths } from './rank-paths.js';

/** Ctrl/Cmd+P: type part of a file's name, arrows to choose, Enter to open, Escape to close. */
export function QuickOpen({ paths, onOpen, onClose }: { paths: string[]; onOpen(path: string): void; onClose(): void }) {
  const [query, setQuery] = useState('');
  const [selected, setSelected] = useState(0);
  const matches = useMemo(() => rankPaths(paths, query).slice(0, 50), [paths, query]);

  const onKey = (event: KeyboardEvent) => {
    if (event.key === 'ArrowDown') setSelected((index) => Math.min(index + 1, matches.length - 1));
    else if (event.key === 'ArrowUp') setSelected((index) => Math.max(index - 1, 0));
    else if (event.key === 'Enter' && matches[selected]) onOpen(matches[selected]);
    else return;
    event.preventDefault();
  };

  return (
    <Modal label="Go to file" onClose={onClose}>
      <div className="quick-open">
        <input
          autoFocus
          aria-label="File name"
          placeholder="Go to file…"
          value={query}
          onChange={(event) => (setQuery(event.target.value), setSelected(0))}
          onKeyDown={onKey}
        />
        <ul role="listbox">
          {matches.map((path, index) => (
            <li
              key={path}
              role="option"
              aria-selected={index === selected}
              className={index === selected ? 'selected' : ''}
              onMouseDown={() => onOpen(path)}
            >
              <span>{path.slice(path.lastIndexOf('/') + 1)}</span>
              <span className="muted small"> {path}</span>
            </li>
          ))}
          {matches.length === 0 && <li className="muted">No file matches.</li>}
        </ul>
      </div>
    </Modal>
  );
}
