import {
  Alert,
  Button,
  Center,
  Group,
  Paper,
  PasswordInput,
  Stack,
  TextInput,
  Title,
} from "@mantine/core";
import { useNavigate, useSearch } from "@tanstack/react-router";
import { type FormEvent, useState } from "react";
import { useTranslation } from "react-i18next";
import { sessionStore } from "../auth/session";
import { LanguageSwitch } from "../layout/LanguageSwitch";

const MESSAGES: Record<string, string> = {
  invalid_credentials: "auth.invalidCredentials",
  locked: "auth.locked",
};

/** Sign in with a username and password; then back to the page that asked for it. */
export function LoginPage() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const { redirect } = useSearch({ from: "/login" });
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (!username.trim() || !password) {
      setError("auth.required");
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const result = await sessionStore.signIn(username.trim(), password);
      if (result.ok) {
        await navigate({ href: redirect ?? "/organizations", replace: true });
        return;
      }
      setError(MESSAGES[result.code] ?? "auth.unavailable");
    } catch {
      setError("auth.unavailable");
    } finally {
      setBusy(false);
    }
  }

  return (
    <Center mih="100vh" component="main">
      <Paper withBorder shadow="sm" p="xl" w={380}>
        <form onSubmit={submit} noValidate>
          <Stack>
            <Group justify="space-between">
              <Title order={1} size="h2">
                {t("auth.title")}
              </Title>
              <LanguageSwitch />
            </Group>
            {error && (
              <Alert color="red" role="alert">
                {t(error)}
              </Alert>
            )}
            <TextInput
              label={t("auth.username")}
              name="username"
              autoComplete="username"
              value={username}
              onChange={(event) => setUsername(event.currentTarget.value)}
              autoFocus
            />
            <PasswordInput
              label={t("auth.password")}
              name="password"
              autoComplete="current-password"
              value={password}
              onChange={(event) => setPassword(event.currentTarget.value)}
            />
            <Button type="submit" loading={busy}>
              {t("auth.signIn")}
            </Button>
          </Stack>
        </form>
      </Paper>
    </Center>
  );
}
