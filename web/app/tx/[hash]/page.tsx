import type { Metadata } from "next";
import { TxDetail } from "./TxDetail";

export const metadata: Metadata = { title: "Transaction · GPU Credit" };

export default async function TxPage({ params }: { params: Promise<{ hash: string }> }) {
  return <TxDetail hash={(await params).hash} />;
}
