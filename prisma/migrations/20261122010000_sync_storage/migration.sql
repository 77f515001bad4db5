-- CreateTable
CREATE TABLE "sync_chunks" (
    "key" TEXT NOT NULL,
    "doc_id" TEXT NOT NULL,
    "data" BYTEA NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "sync_chunks_pkey" PRIMARY KEY ("key")
);

-- CreateIndex
CREATE INDEX "sync_chunks_doc_id_idx" ON "sync_chunks"("doc_id");
