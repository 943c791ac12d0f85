import { Alert } from "@mantine/core";
import { Component, type ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { operationErrorMessage } from "../lib/userErrors";

function ErrorMessage({ error }: { error: Error }) {
  const { t } = useTranslation();
  return (
    <Alert color="red" role="alert">
      {operationErrorMessage(t, error)}
    </Alert>
  );
}

/** Shows a screen's failure in place, keeping the rest of the application usable. */
export class ErrorBoundary extends Component<
  { children: ReactNode; resetKey?: unknown },
  { error: Error | null; resetKey?: unknown }
> {
  state: { error: Error | null; resetKey?: unknown } = { error: null };

  static getDerivedStateFromError(error: Error) {
    return { error };
  }

  static getDerivedStateFromProps(
    props: { resetKey?: unknown },
    state: { error: Error | null; resetKey?: unknown },
  ) {
    return props.resetKey === state.resetKey ? null : { error: null, resetKey: props.resetKey };
  }

  render() {
    return this.state.error ? <ErrorMessage error={this.state.error} /> : this.props.children;
  }
}
