import type { Metadata } from "next";
import { Earn } from "./Earn";

export const metadata: Metadata = { title: "Earn · GPU Credit" };

export default function EarnPage() {
  return <Earn />;
}
