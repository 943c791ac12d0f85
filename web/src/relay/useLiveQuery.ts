import { useEffect, useState } from "react";
import { fetchQuery, type GraphQLTaggedNode, useRelayEnvironment } from "react-relay";
import type { OperationType } from "relay-runtime";

/**
 * A query asked again whenever its variables change (null: not asked, no answer), without
 * suspending: for hints beside a form, such as likely duplicates. A stale request is cancelled.
 */
export function useLiveQuery<T extends OperationType>(
  query: GraphQLTaggedNode,
  variables: T["variables"] | null,
): T["response"] | null {
  const environment = useRelayEnvironment();
  const [answer, setAnswer] = useState<T["response"] | null>(null);
  const key = variables === null ? null : JSON.stringify(variables);
  useEffect(() => {
    if (key === null) {
      setAnswer(null);
      return;
    }
    const subscription = fetchQuery<T>(environment, query, JSON.parse(key), {
      fetchPolicy: "network-only",
    }).subscribe({ next: setAnswer, error: () => setAnswer(null) });
    return () => subscription.unsubscribe();
  }, [environment, query, key]);
  return answer;
}
