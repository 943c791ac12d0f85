import { Table } from "@mantine/core";
import { useTranslation } from "react-i18next";

/** Labelled values of a record, a dash for those it does not have. */
export function Facts({ rows }: { rows: [string, string | null | undefined][] }) {
  const { t } = useTranslation();
  return (
    <Table variant="vertical" layout="fixed" withRowBorders={false} fz="sm">
      <Table.Tbody>
        {rows.map(([label, value]) => (
          <Table.Tr key={label}>
            <Table.Th w="45%">{label}</Table.Th>
            <Table.Td>{value || t("common.none")}</Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}
