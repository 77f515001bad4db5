import { useEffect, useRef, useState } from 'react';
import type { SelfUser } from '../../../shared/protocol/auth.js';
import { SignedInContext, useLeaveGuard, type SignedIn } from './app-context.js';
import { AuthScreen } from './features/auth/auth-screen.js';
import { InviteScreen } from './features/projects/invite-screen.js';
import { ProjectsScreen } from './features/projects/projects-screen.js';
import { WorkspaceScreen } from './features/workspace/workspace-screen.js';
import type { Host } from './platform/host.js';
import { OfflineCache } from './services/offline-cache.js';
import { Session } from './services/session.js';
import { SyncService } from './services/sync-service.js';
import { navigate, useRoute, type Route } from './router.js';
import { onDeepLinks } from './platform/current-host.js';
import type { DeepLink } from '../../../shared/protocol/ipc.js';

/**
 * `deepLinksPaused`: the desktop app's deep links wait (in the main process) instead of being acted on.
 * `onChangeServer`: the desktop app's way to another server, offered on the sign-in screen (absent on the web).
 * `onSession`: told the session once restored (the desktop's server change signs it out on the old server).
 */
export function App({
  host,
  deepLinksPaused = false,
  onChangeServer,
  onSession,
}: {
  host: Host;
  deepLinksPaused?: boolean;
  onChangeServer?: (() => void) | undefined;
  onSession?: ((session: Session) => void) | undefined;
}) {
  const reportSession = useRef(onSession);
  reportSession.current = onSession;
  const [session, setSession] = useState<Session | null>(null);
  const [user, setUser] = useState<SelfUser | null>(null);
  useEffect(() => {
    let unsubscribe = () => {};
    let cancelled = false;
    void Session.restore(host).then((restored) => {
      if (cancelled) return;
      setSession(restored);
      reportSession.current?.(restored);
      setUser(restored.currentUser);
      unsubscribe = restored.subscribe(setUser);
    });
    return () => {
      cancelled = true;
      unsubscribe();
    };
  }, [host]);

  if (!session) return <Splash message="Starting Tandem…" />;
  // Signed out, deep links wait until sign-in: an invite is accepted by an account, a project opened by one.
  if (!user) return <AuthScreen session={session} onChangeServer={onChangeServer} />;
  return <SignedInApp key={user.id} session={session} user={user} deepLinksPaused={deepLinksPaused} />;
}

function SignedInApp({ session, user, deepLinksPaused }: { session: Session; user: SelfUser; deepLinksPaused: boolean }) {
  const [signedIn, setSignedIn] = useState<SignedIn | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  useEffect(() => {
    let sync: SyncService | null = null;
    let cancelled = false;
    SyncService.start(session.api, user.id).then(
      (started) => {
        sync = started;
        if (cancelled) return started.shutdown();
        setSignedIn({
          session,
          api: session.api,
          user,
          sync: started,
          cache: new OfflineCache(`tandem.cache:${session.serverUrl}:${user.id}:`),
        });
      },
      (error: unknown) => setFailure(error instanceof Error ? error.message : String(error)),
    );
    return () => {
      cancelled = true;
      sync?.shutdown();
    };
  }, [session, user]);

  if (failure)
    return (
      <Splash message={`Tandem could not open its local storage: ${failure}. Reload the page; if it persists, clear this site's data.`} />
    );
  if (!signedIn) return <Splash message="Opening your workspace…" />;
  return (
    <SignedInContext.Provider value={signedIn}>
      <Screens deepLinksPaused={deepLinksPaused} />
    </SignedInContext.Provider>
  );
}

function Screens({ deepLinksPaused }: { deepLinksPaused: boolean }) {
  const guard = useLeaveGuard();
  // Back and Forward too: history cannot refuse them, so the screen stays until the answer, and Stay puts its
  // address back.
  const route = useRoute(guard ? (from, to) => guard.confirmGoing(from, [to]) : undefined);
  // The screen shown, which the address is not while Back waits for the answer.
  const shown = useRef(route);
  shown.current = route;
  // tandem://invite/<token> and tandem://open/<projectId>, from the desktop app: taken only here, where the
  // user is signed in and can act on them, in the order they came (Back steps through them). Leaving a project
  // whose terminals on this computer would end asks first; Stay drops the links (they were taken: any page can
  // launch a tandem:// link, so one nobody asked for is no loss).
  useEffect(() => {
    if (deepLinksPaused) return undefined;
    return onDeepLinks((links) => {
      const targets = links.map(routeOf);
      void (guard ? guard.confirmGoing(shown.current, targets) : Promise.resolve(true)).then((leave) => {
        if (leave) targets.forEach((target) => navigate(target));
      });
    });
  }, [deepLinksPaused, guard]);
  switch (route.name) {
    case 'workspace':
      return <WorkspaceScreen key={route.projectId} projectId={route.projectId} />;
    case 'invite':
      return <InviteScreen token={route.token} />;
    default:
      return <ProjectsScreen />;
  }
}

function routeOf(link: DeepLink): Route {
  return link.kind === 'invite' ? { name: 'invite', token: link.token } : { name: 'workspace', projectId: link.projectId };
}

function Splash({ message }: { message: string }) {
  return (
    <div className="splash" role="status">
      <div className="brand">Tandem</div>
      <p>{message}</p>
    </div>
  );
}
