import { AppShell, Badge, Button, Group, NavLink, Stack, Text, Title } from "@mantine/core";
import { Link, Outlet, useLocation, useNavigate } from "@tanstack/react-router";
import { Suspense, useEffect } from "react";
import { useTranslation } from "react-i18next";
import { sessionStore } from "../auth/session";
import { useSession } from "../auth/useSession";
import { ErrorBoundary } from "./ErrorBoundary";
import { LanguageSwitch } from "./LanguageSwitch";
import { Loading } from "./Loading";

/** The frame of every signed-in screen: who is signed in, the language, the navigation. */
export function AppLayout() {
  const { t } = useTranslation();
  const session = useSession();
  const navigate = useNavigate();
  const location = useLocation();

  // Signed out here, in another tab, or by a refused renewal: back to the login page.
  useEffect(() => {
    if (!session) void navigate({ to: "/login", search: { redirect: location.href } });
  }, [session, navigate, location.href]);

  if (!session) return null;
  const { user } = session;
  return (
    <AppShell header={{ height: 60 }} navbar={{ width: 220, breakpoint: "sm" }} padding="md">
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between" wrap="nowrap">
          <Group gap="xs" wrap="nowrap">
            <Title order={1} size="h3">
              {t("app.name")}
            </Title>
            <Text c="dimmed" size="sm" visibleFrom="sm">
              {t("app.tagline")}
            </Text>
          </Group>
          <Group gap="sm" wrap="nowrap">
            <Stack gap={0} align="flex-end" data-testid="current-user">
              <Text size="sm" fw={600}>
                {user.displayName}
              </Text>
              <Group gap={4}>
                {user.roles.map((role) => (
                  <Badge key={role} size="xs" variant="light">
                    {t(`roles.${role}`, { defaultValue: role })}
                  </Badge>
                ))}
                {user.department && (
                  <Text size="xs" c="dimmed">
                    {user.department}
                  </Text>
                )}
              </Group>
            </Stack>
            <LanguageSwitch />
            <Button variant="default" size="xs" onClick={() => void sessionStore.signOut()}>
              {t("auth.signOut")}
            </Button>
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="xs" aria-label={t("nav.main")} component="nav">
        <NavLink
          component={Link}
          variant="filled"
          to="/organizations"
          label={t("nav.organizations")}
          active={location.pathname.startsWith("/organizations")}
        />
        <NavLink
          component={Link}
          variant="filled"
          to="/people"
          label={t("nav.people")}
          active={location.pathname.startsWith("/people")}
        />
        {user.roles.includes("admin") && (
          <NavLink
            component={Link}
            variant="filled"
            to="/system"
            label={t("nav.system")}
            active={location.pathname.startsWith("/system")}
          />
        )}
      </AppShell.Navbar>
      <AppShell.Main>
        <ErrorBoundary resetKey={location.pathname}>
          <Suspense fallback={<Loading />}>
            <Outlet />
          </Suspense>
        </ErrorBoundary>
      </AppShell.Main>
    </AppShell>
  );
}
