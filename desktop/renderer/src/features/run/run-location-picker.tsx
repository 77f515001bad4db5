import { useEffect, useState } from 'react';
import type { RunLocationSetting } from '../../../../../shared/protocol/ipc.js';
import type { DesktopRuns } from '../../platform/current-host.js';

const CHOICES: Array<{ value: RunLocationSetting; label: string }> = [
  { value: 'auto', label: 'Auto: cloud when online, else this computer' },
  { value: 'cloud', label: 'Cloud: the Tandem server' },
  { value: 'local', label: 'Local: Docker on this computer' },
];

/** The desktop app's "where code runs" setting, beside the panels that run code. */
export function RunLocationPicker({ runs, onChanged }: { runs: DesktopRuns; onChanged(): void }) {
  const [setting, setSetting] = useState<RunLocationSetting | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let cancelled = false;
    runs.setting().then(
      (value) => !cancelled && setSetting(value),
      (failure: unknown) => !cancelled && setError(failure instanceof Error ? failure.message : String(failure)),
    );
    return () => {
      cancelled = true;
    };
  }, [runs]);
  if (error) return <span className="error small">{error}</span>;
  if (!setting) return null;
  return (
    <label className="run-location-picker small">
      Run on
      <select
        aria-label="Where code runs"
        value={setting}
        onChange={(event) => {
          const next = event.target.value as RunLocationSetting;
          setSetting(next);
          runs.choose(next).then(onChanged, (failure: unknown) => setError(failure instanceof Error ? failure.message : String(failure)));
        }}
      >
        {CHOICES.map((choice) => (
          <option key={choice.value} value={choice.value}>
            {choice.label}
          </option>
        ))}
      </select>
    </label>
  );
}
