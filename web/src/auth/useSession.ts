import { useSyncExternalStore } from "react";
import { type Session, sessionStore } from "./session";

/** The current session; re-renders when it changes here or in another tab. */
export function useSession(): Session | null {
  return useSyncExternalStore(sessionStore.subscribe, sessionStore.current);
}
