import { Anchor, type AnchorProps, Button, type ButtonProps } from "@mantine/core";
import { createLink } from "@tanstack/react-router";
import type { ComponentPropsWithoutRef, Ref } from "react";

type AnchorElementProps = AnchorProps &
  Omit<ComponentPropsWithoutRef<"a">, keyof AnchorProps> & { ref?: Ref<HTMLAnchorElement> };
type ButtonElementProps = ButtonProps &
  Omit<ComponentPropsWithoutRef<"a">, keyof ButtonProps> & { ref?: Ref<HTMLAnchorElement> };

function AnchorElement(props: AnchorElementProps) {
  return <Anchor {...props} />;
}

function ButtonElement(props: ButtonElementProps) {
  return <Button component="a" {...props} />;
}

/** Mantine's anchor and button as router links, with the router's typed `to` and `params`. */
export const AnchorLink = createLink(AnchorElement);
export const ButtonLink = createLink(ButtonElement);
