import { Button, Group } from "@mantine/core";
import { useTranslation } from "react-i18next";

interface Props {
  /** The cursors of the pages before this one (from the URL). */
  pages: readonly string[];
  pageInfo: { readonly hasNextPage: boolean; readonly endCursor: string | null | undefined };
  onChange: (pages: string[] | undefined) => void;
}

/** Previous and next page of a keyset-paged list whose cursors live in the URL. */
export function KeysetPager({ pages, pageInfo, onChange }: Props) {
  const { t } = useTranslation();
  const next = pageInfo.hasNextPage ? pageInfo.endCursor : null;
  return (
    <Group justify="flex-end" gap="xs">
      <Button
        variant="default"
        size="xs"
        disabled={pages.length === 0}
        onClick={() => onChange(pages.length > 1 ? pages.slice(0, -1) : undefined)}
      >
        {t("common.previous")}
      </Button>
      <Button
        variant="default"
        size="xs"
        disabled={!next}
        onClick={() => next && onChange([...pages, next])}
      >
        {t("common.next")}
      </Button>
    </Group>
  );
}
