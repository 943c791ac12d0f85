import {
  createRootRoute,
  createRoute,
  createRouter,
  lazyRouteComponent,
  Outlet,
  redirect,
} from "@tanstack/react-router";
import { safeRedirect } from "./auth/redirect";
import { sessionStore } from "./auth/session";
import { AppLayout } from "./layout/AppLayout";
import { LoginPage } from "./screens/LoginPage";
import { parseOrganizationSearch } from "./screens/organizations/search";
import { parsePersonSearch } from "./screens/people/search";

const rootRoute = createRootRoute({ component: Outlet });

export const loginRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: "/login",
  validateSearch: (search: Record<string, unknown>): { redirect?: string } => {
    const target = safeRedirect(search.redirect);
    return target ? { redirect: target } : {};
  },
  component: LoginPage,
});

/** Every screen behind sign-in: without a session, the login page, then back here. */
const staffRoute = createRoute({
  getParentRoute: () => rootRoute,
  id: "staff",
  beforeLoad: ({ location }) => {
    if (!sessionStore.current()) {
      throw redirect({ to: "/login", search: { redirect: location.href } });
    }
  },
  component: AppLayout,
});

const homeRoute = createRoute({
  getParentRoute: () => staffRoute,
  path: "/",
  beforeLoad: () => {
    throw redirect({ to: "/organizations" });
  },
});

export const organizationsRoute = createRoute({
  getParentRoute: () => staffRoute,
  path: "/organizations",
  validateSearch: parseOrganizationSearch,
  component: lazyRouteComponent(
    () => import("./screens/organizations/OrganizationsPage"),
    "OrganizationsPage",
  ),
});

export const newOrganizationRoute = createRoute({
  getParentRoute: () => staffRoute,
  path: "/organizations/new",
  component: lazyRouteComponent(
    () => import("./screens/organizations/NewOrganizationPage"),
    "NewOrganizationPage",
  ),
});

export const organizationRoute = createRoute({
  getParentRoute: () => staffRoute,
  path: "/organizations/$organizationId",
  component: lazyRouteComponent(
    () => import("./screens/organizations/OrganizationPage"),
    "OrganizationPage",
  ),
});

export const peopleRoute = createRoute({
  getParentRoute: () => staffRoute,
  path: "/people",
  validateSearch: parsePersonSearch,
  component: lazyRouteComponent(() => import("./screens/people/PeoplePage"), "PeoplePage"),
});

export const newPersonRoute = createRoute({
  getParentRoute: () => staffRoute,
  path: "/people/new",
  component: lazyRouteComponent(() => import("./screens/people/NewPersonPage"), "NewPersonPage"),
});

export const personRoute = createRoute({
  getParentRoute: () => staffRoute,
  path: "/people/$personId",
  component: lazyRouteComponent(() => import("./screens/people/PersonPage"), "PersonPage"),
});

export const systemRoute = createRoute({
  getParentRoute: () => staffRoute,
  path: "/system",
  component: lazyRouteComponent(() => import("./screens/system/SystemPage"), "SystemPage"),
});

const routeTree = rootRoute.addChildren([
  loginRoute,
  staffRoute.addChildren([
    homeRoute,
    organizationsRoute,
    newOrganizationRoute,
    organizationRoute,
    peopleRoute,
    newPersonRoute,
    personRoute,
    systemRoute,
  ]),
]);

export const router = createRouter({ routeTree, defaultPreload: "intent" });

declare module "@tanstack/react-router" {
  interface Register {
    router: typeof router;
  }
}
