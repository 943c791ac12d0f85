import { Badge, type BadgeProps, Group } from "@mantine/core";

/** A record's tags as outlined badges. */
export function Tags({ tags, size }: { tags: readonly string[]; size?: BadgeProps["size"] }) {
  return (
    <Group gap={4}>
      {tags.map((tag) => (
        <Badge key={tag} size={size} variant="outline">
          {tag}
        </Badge>
      ))}
    </Group>
  );
}
