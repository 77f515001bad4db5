import type { RunLocationDecision, RunLocationSetting } from '../../shared/protocol/ipc.js';

// One definition each, in the IPC contract the renderer also sees.
export type { RunLocationDecision, RunLocationSetting };

export type LocalDocker = { ok: true; endpoint: string } | { ok: false; reason: string };

export interface RunLocationInputs {
  setting: RunLocationSetting;
  serverReachable: boolean;
  /** `endpoint` is a DockerEndpoint description such as "Colima (unix:///Users/ada/.colima/default/docker.sock)". */
  local: LocalDocker;
}

const START_DOCKER = 'Start Docker Desktop, Colima, OrbStack or Rancher Desktop (on Linux, the docker service)';

/**
 * Where the next run or terminal happens. Auto prefers the server because that is where teammates see the
 * same run; it falls back to this computer's Docker so work goes on offline. When nothing can run code the
 * answer says why and what the user can do about it, never just "unavailable".
 */
export function decideRunLocation(inputs: RunLocationInputs & { serverHost: string }): RunLocationDecision {
  const { setting, serverReachable, local, serverHost } = inputs;
  const server = serverHost ? `the server (${serverHost})` : 'the server';
  const cloud = { where: 'cloud', label: serverHost ? `Cloud (${serverHost})` : 'Cloud' } as const;
  const onThisComputer = local.ok ? ({ where: 'local', label: `Local Docker (${engineName(local.endpoint)})` } as const) : undefined;
  const noDocker = local.ok ? '' : ` ${local.reason}`;

  switch (setting) {
    case 'cloud':
      if (serverReachable) return cloud;
      return {
        where: 'none',
        message: `Code runs on ${server}, which is not answering.`,
        whatToDo: onThisComputer
          ? `Check your connection, or switch "Where code runs" to Local or Auto to use ${onThisComputer.label} on this computer.`
          : 'Check your connection and the server address in Settings, then try again.',
      };
    case 'local':
      if (onThisComputer) return onThisComputer;
      return {
        where: 'none',
        message: `Code runs on this computer, but no Docker engine is answering.${noDocker}`,
        whatToDo: serverReachable ? `${START_DOCKER}, or switch "Where code runs" to Cloud or Auto.` : `${START_DOCKER}, then try again.`,
      };
    case 'auto':
    default:
      if (serverReachable) return cloud;
      if (onThisComputer) return onThisComputer;
      return {
        where: 'none',
        message: `Code cannot run anywhere right now: ${server} is not answering and no Docker engine is running on this computer.${noDocker}`,
        whatToDo: `${START_DOCKER}, or connect to the server.`,
      };
  }
}

/** "Colima (unix:///…)" → "Colima"; "the system Docker engine (unix:///…)" → "system Docker engine". */
function engineName(description: string): string {
  const name = description
    .replace(/\s*\([^()]*\)\s*$/, '')
    .replace(/^the\s+/i, '')
    .trim();
  return name || description;
}
