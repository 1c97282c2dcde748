import type { Metadata } from "next";
import { Borrow } from "./Borrow";

export const metadata: Metadata = { title: "Borrow · GPU Credit" };

export default function BorrowPage() {
  return <Borrow />;
}
