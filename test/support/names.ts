export const TEMPLATE_DB = 'lakehouse_template';
