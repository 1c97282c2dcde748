import type { Metadata } from "next";
import { Risk } from "./Risk";

export const metadata: Metadata = { title: "Risk · GPU Credit" };

export default function RiskPage() {
  return <Risk />;
}
