import {
  Environment,
  type FetchFunction,
  type GraphQLResponse,
  Network,
  Observable,
  RecordSource,
  Store,
} from "relay-runtime";
import { type SessionStore, sessionStore } from "../auth/session";

/** Relay's network: every operation through the session, aborted when Relay drops it. */
export function createFetch(session: SessionStore): FetchFunction {
  return (operation, variables) =>
    Observable.create<GraphQLResponse>((sink) => {
      const controller = new AbortController();
      session
        .request(operation.text ?? "", variables, controller.signal)
        .then((body) => {
          sink.next(body as GraphQLResponse);
          sink.complete();
        })
        .catch((error: unknown) => {
          if (!controller.signal.aborted) sink.error(error as Error);
        });
      // A stale query (the user typed on) is cancelled, not left to race the new one.
      return () => controller.abort();
    });
}

export function createEnvironment(session: SessionStore = sessionStore): Environment {
  return new Environment({
    network: Network.create(createFetch(session)),
    store: new Store(new RecordSource()),
  });
}
