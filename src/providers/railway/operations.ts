/** The GraphQL selection of a deployment, the same in every operation that returns one. */
export const DEPLOYMENT_FIELDS = 'id status createdAt statusUpdatedAt canRollback meta projectId';

/**
 * Every operation the action sends, in one place, so a test validates each one against Railway's
 * schema (shared/specs/railway/schema.json).
 */
export const RAILWAY_OPERATIONS = {
  projectToken: 'query ProjectToken { projectToken { projectId environmentId } }',
  serviceInstance: `query ServiceInstance($serviceId: String!, $environmentId: String!) {
  serviceInstance(serviceId: $serviceId, environmentId: $environmentId) {
    serviceName
    domains { serviceDomains { domain } customDomains { domain } }
    latestDeployment { projectId }
  }
}`,
  deployments: `query Deployments($input: DeploymentListInput!, $first: Int, $after: String) {
  deployments(input: $input, first: $first, after: $after) {
    edges { node { ${DEPLOYMENT_FIELDS} } }
    pageInfo { hasNextPage endCursor }
  }
}`,
  deployment: `query Deployment($id: String!) { deployment(id: $id) { ${DEPLOYMENT_FIELDS} } }`,
  deploy: `mutation ServiceInstanceDeployV2($serviceId: String!, $environmentId: String!, $commitSha: String) {
  serviceInstanceDeployV2(serviceId: $serviceId, environmentId: $environmentId, commitSha: $commitSha)
}`,
  // deploymentRollback returns a Boolean: a selection set would be invalid against the schema.
  rollback: 'mutation DeploymentRollback($id: String!) { deploymentRollback(id: $id) }',
  buildLogs: `query BuildLogs($deploymentId: String!, $limit: Int) {
  buildLogs(deploymentId: $deploymentId, limit: $limit) { timestamp message severity }
}`,
  deploymentLogs: `query DeploymentLogs($deploymentId: String!, $limit: Int) {
  deploymentLogs(deploymentId: $deploymentId, limit: $limit) { timestamp message severity }
}`,
  deploymentEvents: `query DeploymentEvents($id: String!, $first: Int) {
  deploymentEvents(id: $id, first: $first) {
    edges { node { step createdAt completedAt payload { error reason detail } } }
  }
}`,
  project: 'query Service($id: String!) { service(id: $id) { projectId } }',
  previewEnvironments: `query Environments($projectId: String!, $first: Int, $after: String) {
  environments(projectId: $projectId, isEphemeral: true, first: $first, after: $after) {
    edges { node { id name meta { prNumber branch } } }
    pageInfo { hasNextPage endCursor }
  }
}`,
  subscribeDeployment: `subscription Deployment($id: String!) { deployment(id: $id) { ${DEPLOYMENT_FIELDS} } }`,
} as const;
