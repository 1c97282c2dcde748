import type { Metadata } from "next";
import { Auctions } from "./Auctions";

export const metadata: Metadata = { title: "Auctions · GPU Credit" };

export default function AuctionsPage() {
  return <Auctions />;
}
