import { useEffect, useState } from 'react';
import type { SelfUser } from '../../../shared/protocol/auth.js';
import { SignedInContext, type SignedIn } from './app-context.js';
import { AuthScreen } from './features/auth/auth-screen.js';
import { InviteScreen } from './features/projects/invite-screen.js';
import { ProjectsScreen } from './features/projects/projects-screen.js';
import { WorkspaceScreen } from './features/workspace/workspace-screen.js';
import type { Host } from './platform/host.js';
import { OfflineCache } from './services/offline-cache.js';
import { Session } from './services/session.js';
import { SyncService } from './services/sync-service.js';
import { navigate, useRoute } from './router.js';
import { onDeepLink } from './platform/current-host.js';
import { DeepLink } from '../../../shared/protocol/ipc.js';

export function App({ host }: { host: Host }) {
  const [session, setSession] = useState<Session | null>(null);
  const [user, setUser] = useState<SelfUser | null>(null);
  useEffect(() => {
    let unsubscribe = () => {};
    let cancelled = false;
    void Session.restore(host).then((restored) => {
      if (cancelled) return;
      setSession(restored);
      setUser(restored.currentUser);
      unsubscribe = restored.subscribe(setUser);
    });
    return () => {
      cancelled = true;
      unsubscribe();
    };
  }, [host]);

  if (!session) return <Splash message="Starting Tandem…" />;
  if (!user) return <AuthScreen session={session} />;
  return <SignedInApp key={user.id} session={session} user={user} />;
}

function SignedInApp({ session, user }: { session: Session; user: SelfUser }) {
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
      <Screens />
    </SignedInContext.Provider>
  );
}

function Screens() {
  const route = useRoute();
  // tandem://invite/<token> and tandem://open/<projectId>, from the desktop app.
  useEffect(
    () =>
      onDeepLink((received) => {
        const link = DeepLink.safeParse(received);
        if (!link.success) return;
        navigate(
          link.data.kind === 'invite' ? { name: 'invite', token: link.data.token } : { name: 'workspace', projectId: link.data.projectId },
        );
      }),
    [],
  );
  switch (route.name) {
    case 'workspace':
      return <WorkspaceScreen key={route.projectId} projectId={route.projectId} />;
    case 'invite':
      return <InviteScreen token={route.token} />;
    default:
      return <ProjectsScreen />;
  }
}

function Splash({ message }: { message: string }) {
  return (
    <div className="splash" role="status">
      <div className="brand">Tandem</div>
      <p>{message}</p>
    </div>
  );
}
