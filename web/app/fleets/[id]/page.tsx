import type { Metadata } from "next";
import { FleetDetail } from "./FleetDetail";

export async function generateMetadata({ params }: { params: Promise<{ id: string }> }): Promise<Metadata> {
  return { title: `Fleet #${(await params).id} · GPU Credit` };
}

export default async function FleetPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  return <FleetDetail id={id} />;
}
