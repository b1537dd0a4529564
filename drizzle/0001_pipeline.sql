CREATE TABLE "pipeline_tasks" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"workspace_id" uuid NOT NULL,
	"run_id" uuid NOT NULL,
	"connection_id" uuid,
	"stage" text NOT NULL,
	"object" text DEFAULT '' NOT NULL,
	"task_key" text NOT NULL,
	"status" text DEFAULT 'queued' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"error_kind" text,
	"error" text,
	"progress" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"not_before" timestamp with time zone,
	"heartbeat_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "job_runs" ADD COLUMN "trigger" text;--> statement-breakpoint
ALTER TABLE "job_runs" ADD COLUMN "run_key" text;--> statement-breakpoint
ALTER TABLE "job_runs" ADD COLUMN "options" jsonb DEFAULT '{}'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "pipeline_tasks" ADD CONSTRAINT "pipeline_tasks_workspace_id_workspaces_id_fk" FOREIGN KEY ("workspace_id") REFERENCES "public"."workspaces"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pipeline_tasks" ADD CONSTRAINT "pipeline_tasks_run_id_job_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."job_runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pipeline_tasks" ADD CONSTRAINT "pipeline_tasks_connection_id_connections_id_fk" FOREIGN KEY ("connection_id") REFERENCES "public"."connections"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "pipeline_tasks_run_key_uq" ON "pipeline_tasks" USING btree ("run_id","task_key");--> statement-breakpoint
CREATE INDEX "pipeline_tasks_active_idx" ON "pipeline_tasks" USING btree ("status","workspace_id");--> statement-breakpoint
CREATE INDEX "pipeline_tasks_workspace_stage_idx" ON "pipeline_tasks" USING btree ("workspace_id","stage","finished_at");--> statement-breakpoint
CREATE UNIQUE INDEX "job_runs_run_key_uq" ON "job_runs" USING btree ("workspace_id","run_key");--> statement-breakpoint
CREATE UNIQUE INDEX "job_runs_active_pipeline_uq" ON "job_runs" USING btree ("workspace_id") WHERE "job_runs"."trigger" is not null and "job_runs"."status" in ('queued', 'running', 'delayed');