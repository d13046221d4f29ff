import { type Template } from 'aws-cdk-lib/assertions';

export interface DashboardWidget {
  readonly type: string;
  readonly width: number;
  readonly properties: {
    readonly title?: string;
    readonly markdown?: string;
    readonly stacked?: boolean;
    readonly setPeriodToTimeRange?: boolean;
    readonly alarms?: string[];
    readonly metrics?: unknown[][];
  };
}

/** The widgets of the template's one dashboard; references to resources read as `<ref>`. */
export function dashboardWidgets(template: Template): DashboardWidget[] {
  const dashboards = Object.values(template.findResources('AWS::CloudWatch::Dashboard'));
  if (dashboards.length !== 1) {
    throw new Error(`expected one dashboard, found ${dashboards.length}`);
  }
  const [, parts] = (dashboards[0].Properties.DashboardBody as { 'Fn::Join': [string, unknown[]] })['Fn::Join'];
  const body = parts.map((part) => (typeof part === 'string' ? part : '<ref>')).join('');
  return (JSON.parse(body) as { widgets: DashboardWidget[] }).widgets;
}
